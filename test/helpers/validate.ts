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

/** What a KTX2 file's header and data format descriptor say (KTX 2.0 specification, sections 3 and 4). */
export interface Ktx2Info {
  width: number;
  height: number;
  levels: number;
  /** 0 none, 2 Zstandard. */
  supercompression: number;
  /** From the data format descriptor: ETC1S (163) or UASTC (166). */
  model: 'etc1s' | 'uastc' | 'other';
  srgb: boolean;
  /** Every level's data lies inside the file. */
  levelsInBounds: boolean;
}

const KTX2_IDENTIFIER = [0xab, 0x4b, 0x54, 0x58, 0x20, 0x32, 0x30, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads a KTX2 header: glTF-Validator (npm 2.0.0-dev.3.10) does not know KHR_texture_basisu and does
 * not look inside KTX2 images, so tests check what a loader relies on here.
 */
export function inspectKtx2(bytes: Uint8Array): Ktx2Info {
  if (!KTX2_IDENTIFIER.every((b, i) => bytes[i] === b)) throw new Error('not a KTX2 file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => Number(view.getBigUint64(offset, true));
  const levels = u32(40);
  const dfd = u32(48);
  const colorModel = view.getUint8(dfd + 12);
  let levelsInBounds = true;
  for (let level = 0; level < Math.max(1, levels); level++) {
    const offset = u64(80 + level * 24);
    const length = u64(88 + level * 24);
    if (length === 0 || offset + length > bytes.byteLength) levelsInBounds = false;
  }
  return {
    width: u32(20),
    height: u32(24),
    levels,
    supercompression: u32(44),
    model: colorModel === 163 ? 'etc1s' : colorModel === 166 ? 'uastc' : 'other',
    srgb: view.getUint8(dfd + 14) === 2,
    levelsInBounds,
  };
}
