import validator from 'gltf-validator';
import { getDracoIO } from '../../src/optimize/io.js';

const COMPRESSION_EXTENSIONS = new Set(['EXT_meshopt_compression', 'KHR_meshopt_compression', 'KHR_draco_mesh_compression']);

/**
 * The same model with its geometry compression undone (meshopt/Draco decoded, quantization and
 * image formats kept): glTF-Validator cannot look inside compressed buffers.
 */
async function decodeGlb(bytes: Uint8Array): Promise<Uint8Array> {
  const io = await getDracoIO();
  const document = await io.readBinary(bytes);
  for (const extension of document.getRoot().listExtensionsUsed()) {
    if (COMPRESSION_EXTENSIONS.has(extension.extensionName)) extension.dispose();
  }
  return io.writeBinary(document);
}

/** Khronos glTF-Validator report summary for GLB bytes, validated on a decoded copy. */
export async function validateGlb(bytes: Uint8Array): Promise<{ errors: number; warnings: number; messages: string[]; codes: Record<string, number> }> {
  const report = await validator.validateBytes(await decodeGlb(bytes), { maxIssues: 10_000 });
  const codes: Record<string, number> = {};
  for (const message of report.issues.messages) {
    if (message.severity <= 1) codes[message.code] = (codes[message.code] ?? 0) + 1;
  }
  return {
    errors: report.issues.numErrors,
    warnings: report.issues.numWarnings,
    messages: report.issues.messages
      .filter((m) => m.severity === 0)
      .slice(0, 50)
      .map((m) => `${m.code}: ${m.message} ${m.pointer ?? ''}`),
    codes,
  };
}

/** The document of GLB bytes, whatever compression it uses. */
export async function decodedDocument(bytes: Uint8Array) {
  return (await getDracoIO()).readBinary(bytes);
}
