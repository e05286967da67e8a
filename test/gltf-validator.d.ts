declare module 'gltf-validator' {
  interface ValidationMessage {
    code: string;
    message: string;
    severity: number;
    pointer?: string;
  }
  interface ValidationReport {
    issues: { numErrors: number; numWarnings: number; numInfos: number; numHints: number; messages: ValidationMessage[] };
    info?: Record<string, unknown>;
  }
  const validator: {
    version(): string;
    validateBytes(
      data: Uint8Array,
      options?: { maxIssues?: number; externalResourceFunction?: (uri: string) => Promise<Uint8Array> },
    ): Promise<ValidationReport>;
  };
  export default validator;
}
