import type { Document } from '@gltf-transform/core';
import { listTextureSlots } from '@gltf-transform/functions';
import validator from 'gltf-validator';
import { getDracoIO } from '../../src/optimize/io.js';

const COMPRESSION_EXTENSIONS = new Set(['EXT_meshopt_compression', 'KHR_meshopt_compression', 'KHR_draco_mesh_compression']);

/**
 * The same model with its geometry compression undone (meshopt/Draco decoded, quantization and
 * image formats kept): glTF-Validator cannot look inside compressed buffers.
 */
async function decodeGlb(bytes: Uint8Array): Promise<{ bytes: Uint8Array; document: Document }> {
  const io = await getDracoIO();
  const document = await io.readBinary(bytes);
  for (const extension of document.getRoot().listExtensionsUsed()) {
    if (COMPRESSION_EXTENSIONS.has(extension.extensionName)) extension.dispose();
  }
  return { bytes: await io.writeBinary(document), document };
}

/** Texture slots holding colour (sRGB) data; every other slot holds data (KHR_texture_basisu: linear). */
const COLOR_SLOTS = new Set([
  'baseColorTexture',
  'emissiveTexture',
  'sheenColorTexture',
  'specularColorTexture',
  'diffuseTexture',
  'specularGlossinessTexture',
]);

/** One image as glTF-Validator describes it in `info.resources` (for KTX2 it gives only the storage). */
type ValidatorImageInfo = { pointer: string; storage?: string; mimeType?: string; image?: { width: number; height: number; format?: string; bits?: number } };

/**
 * Khronos glTF-Validator report summary for GLB bytes, validated on a decoded copy. The validator does
 * not parse KTX2 images, so each one is also checked against KHR_texture_basisu's rules on its header
 * (`basisuKtx2Issues`): a breach counts as an error, with a `KTX2_…` code.
 */
export async function validateGlb(bytes: Uint8Array): Promise<{
  errors: number;
  warnings: number;
  messages: string[];
  codes: Record<string, number>;
  images: ValidatorImageInfo[];
  ktx2: { pointer: string; info: Ktx2Info; issues: string[] }[];
}> {
  const decoded = await decodeGlb(bytes);
  const report = await validator.validateBytes(decoded.bytes, { maxIssues: 10_000 });
  const codes: Record<string, number> = {};
  for (const message of report.issues.messages) {
    if (message.severity <= 1) codes[message.code] = (codes[message.code] ?? 0) + 1;
  }
  // gltf-transform writes one image per texture, in texture order.
  const ktx2 = decoded.document
    .getRoot()
    .listTextures()
    .flatMap((texture, index) => {
      if (texture.getMimeType() !== 'image/ktx2') return [];
      const info = inspectKtx2(texture.getImage()!);
      const color = listTextureSlots(texture).some((slot) => COLOR_SLOTS.has(slot));
      return [{ pointer: `/images/${index}`, info, issues: basisuKtx2Issues(info, color) }];
    });
  const ktx2Messages = ktx2.flatMap(({ pointer, issues }) => issues.map((issue) => `${issue} ${pointer}`));
  for (const message of ktx2Messages) {
    const code = message.slice(0, message.indexOf(':'));
    codes[code] = (codes[code] ?? 0) + 1;
  }
  const resources = (report.info?.resources ?? []) as ValidatorImageInfo[];
  return {
    errors: report.issues.numErrors + ktx2Messages.length,
    warnings: report.issues.numWarnings,
    messages: [...report.issues.messages.filter((m) => m.severity === 0).map((m) => `${m.code}: ${m.message} ${m.pointer ?? ''}`), ...ktx2Messages].slice(
      0,
      50,
    ),
    codes,
    images: resources.filter((r) => r.pointer.startsWith('/images/')),
    ktx2,
  };
}

/** The document of GLB bytes, whatever compression it uses. */
export async function decodedDocument(bytes: Uint8Array) {
  return (await getDracoIO()).readBinary(bytes);
}

/** What a KTX2 file's header, data format descriptor and key/value data say (KTX 2.0 specification, sections 3 and 4). */
export interface Ktx2Info {
  width: number;
  height: number;
  levels: number;
  /** 0 none, 1 BasisLZ (ETC1S), 2 Zstandard. */
  supercompression: number;
  /** From the data format descriptor: ETC1S (163) or UASTC (166). */
  model: 'etc1s' | 'uastc' | 'other';
  /** Transfer function sRGB (2); false for linear (1). */
  srgb: boolean;
  /** Every level's data lies inside the file. */
  levelsInBounds: boolean;
  vkFormat: number;
  pixelDepth: number;
  layerCount: number;
  faceCount: number;
  /** DFD colour primaries: 0 unspecified, 1 BT.709. */
  primaries: number;
  /** DFD transfer function: 1 linear, 2 sRGB. */
  transfer: number;
  premultipliedAlpha: boolean;
  /** DFD sample channel ids (ETC1S: 0 RGB, 15 AAA; UASTC: 0 RGB, 3 RGBA). */
  channels: number[];
  /** Key/value metadata (KTXswizzle, KTXorientation, KTXwriter…). */
  metadata: Record<string, string>;
}

const KTX2_IDENTIFIER = [0xab, 0x4b, 0x54, 0x58, 0x20, 0x32, 0x30, 0xbb, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Reads a KTX2 header: glTF-Validator (npm 2.0.0-dev.3.10, the newest) recognizes the KTX2 identifier
 * but does not parse the file (IMAGE_UNRECOGNIZED_FORMAT, no size in its resource info), so tests check
 * what a loader relies on here.
 */
export function inspectKtx2(bytes: Uint8Array): Ktx2Info {
  if (!KTX2_IDENTIFIER.every((b, i) => bytes[i] === b)) throw new Error('not a KTX2 file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => Number(view.getBigUint64(offset, true));
  const levels = u32(40);
  const dfd = u32(48);
  const colorModel = view.getUint8(dfd + 12);
  const blockSize = view.getUint16(dfd + 10, true);
  const channels: number[] = [];
  for (let sample = 0; sample < (blockSize - 24) / 16; sample++) channels.push(view.getUint8(dfd + 28 + sample * 16 + 3) & 0x0f);
  let levelsInBounds = true;
  for (let level = 0; level < Math.max(1, levels); level++) {
    const offset = u64(80 + level * 24);
    const length = u64(88 + level * 24);
    if (length === 0 || offset + length > bytes.byteLength) levelsInBounds = false;
  }
  const metadata: Record<string, string> = {};
  const kvdEnd = u32(56) + u32(60);
  for (let at = u32(56); at + 4 <= kvdEnd; ) {
    const length = u32(at);
    const entry = bytes.subarray(at + 4, at + 4 + length);
    const nul = entry.indexOf(0);
    metadata[new TextDecoder().decode(entry.subarray(0, nul))] = new TextDecoder().decode(entry.subarray(nul + 1)).replace(/\0+$/, '');
    at += 4 + Math.ceil(length / 4) * 4;
  }
  return {
    width: u32(20),
    height: u32(24),
    levels,
    supercompression: u32(44),
    model: colorModel === 163 ? 'etc1s' : colorModel === 166 ? 'uastc' : 'other',
    srgb: view.getUint8(dfd + 14) === 2,
    levelsInBounds,
    vkFormat: u32(12),
    pixelDepth: u32(28),
    layerCount: u32(32),
    faceCount: u32(36),
    primaries: view.getUint8(dfd + 13),
    transfer: view.getUint8(dfd + 14),
    premultipliedAlpha: (view.getUint8(dfd + 15) & 1) === 1,
    channels,
    metadata,
  };
}

/**
 * What KHR_texture_basisu asks of a KTX2 image ("KTX v2 Images with Basis Universal Supercompression"),
 * checked on the header: the rules glTF-Validator would apply if it read KTX2. `color` is true for
 * textures holding colour (base colour, emissive…). Returns one `KTX2_…` code and reason per breach.
 */
export function basisuKtx2Issues(info: Ktx2Info, color: boolean): string[] {
  const issues: string[] = [];
  const fail = (code: string, message: string) => issues.push(`${code}: ${message}`);
  if (info.vkFormat !== 0) fail('KTX2_VK_FORMAT', `vkFormat ${info.vkFormat}, expected 0 (Basis Universal)`);
  if (info.model === 'etc1s') {
    if (info.supercompression !== 1) fail('KTX2_SUPERCOMPRESSION', `ETC1S with scheme ${info.supercompression}, expected 1 (BasisLZ)`);
    if (!['0', '0,15'].includes(info.channels.join(','))) fail('KTX2_CHANNELS', `ETC1S channels ${info.channels}, expected RGB or RGB+AAA`);
  } else if (info.model === 'uastc') {
    if (info.supercompression !== 0 && info.supercompression !== 2)
      fail('KTX2_SUPERCOMPRESSION', `UASTC with scheme ${info.supercompression}, expected 0 or 2 (Zstandard)`);
    if (info.channels.length !== 1 || ![0, 3].includes(info.channels[0]!)) fail('KTX2_CHANNELS', `UASTC channels ${info.channels}, expected one: RGB or RGBA`);
  } else fail('KTX2_COLOR_MODEL', 'neither ETC1S nor UASTC');
  if (color && (info.primaries !== 1 || info.transfer !== 2))
    fail('KTX2_COLOR_SPACE', `colour data with primaries ${info.primaries} / transfer ${info.transfer}, expected BT.709 (1) / sRGB (2)`);
  if (!color && (info.primaries !== 0 || info.transfer !== 1))
    fail('KTX2_COLOR_SPACE', `non-colour data with primaries ${info.primaries} / transfer ${info.transfer}, expected unspecified (0) / linear (1)`);
  if ((info.metadata.KTXswizzle ?? 'rgba') !== 'rgba') fail('KTX2_SWIZZLE', `KTXswizzle ${info.metadata.KTXswizzle}`);
  if ((info.metadata.KTXorientation ?? 'rd') !== 'rd') fail('KTX2_ORIENTATION', `KTXorientation ${info.metadata.KTXorientation}`);
  if (info.width % 4 !== 0 || info.height % 4 !== 0) fail('KTX2_DIMENSIONS', `${info.width}×${info.height} is not a multiple of 4`);
  if (info.pixelDepth !== 0 || info.layerCount !== 0 || info.faceCount !== 1) fail('KTX2_NOT_2D', 'not a plain 2D texture');
  if (info.premultipliedAlpha) fail('KTX2_PREMULTIPLIED', 'alpha marked premultiplied');
  const fullChain = Math.floor(Math.log2(Math.max(info.width, info.height))) + 1;
  if (info.levels !== fullChain) fail('KTX2_MIP_CHAIN', `${info.levels} levels, a full pyramid has ${fullChain}`);
  if (!info.levelsInBounds) fail('KTX2_LEVELS', 'a level lies outside the file');
  return issues;
}
