import validator from 'gltf-validator';

/** Khronos glTF-Validator report summary for GLB bytes. */
export async function validateGlb(bytes: Uint8Array): Promise<{ errors: number; warnings: number; messages: string[] }> {
  const report = await validator.validateBytes(new Uint8Array(bytes), { maxIssues: 50 });
  return {
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    messages: report.issues.messages.filter((m: { severity: number }) => m.severity === 0).map((m: { code: string; message: string; pointer?: string }) => `${m.code}: ${m.message} ${m.pointer ?? ''}`),
  };
}
