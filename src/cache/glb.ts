import { MeshyPluginError } from '../errors.js';

const GLB_MAGIC = 0x46546c67; // 'glTF' little-endian
const JSON_CHUNK = 0x4e4f534a; // 'JSON'

class InvalidGlbError extends MeshyPluginError {
  constructor(reason: string, context: Record<string, unknown> = {}) {
    super('MESHY_INVALID_GLB', `Not a valid GLB file: ${reason}`, { context });
  }
}

/**
 * Cheap structural check of a GLB container (header, declared length, a JSON chunk that parses as
 * glTF 2.0), done before any bytes are cached: a truncated or foreign download never enters the store.
 */
export function assertGlb(bytes: Uint8Array): void {
  if (bytes.byteLength < 20) throw new InvalidGlbError(`only ${bytes.byteLength} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw new InvalidGlbError('missing the "glTF" magic');
  const version = view.getUint32(4, true);
  if (version !== 2) throw new InvalidGlbError(`glTF version ${version}, expected 2`);
  const declared = view.getUint32(8, true);
  if (declared !== bytes.byteLength) {
    throw new InvalidGlbError(`header declares ${declared} bytes but ${bytes.byteLength} arrived (truncated?)`, {
      declared,
      received: bytes.byteLength,
    });
  }
  const jsonLength = view.getUint32(12, true);
  if (view.getUint32(16, true) !== JSON_CHUNK || 20 + jsonLength > bytes.byteLength) {
    throw new InvalidGlbError('the first chunk is not a complete JSON chunk');
  }
  let json: { asset?: { version?: unknown } };
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + jsonLength)));
  } catch (cause) {
    throw new InvalidGlbError(`its JSON chunk does not parse (${(cause as Error).message})`);
  }
  if (json?.asset?.version !== '2.0') throw new InvalidGlbError(`asset.version is ${JSON.stringify(json?.asset?.version)}, expected "2.0"`);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_END = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]; // IEND chunk type + CRC

/**
 * Checks that an image download is whole: a PNG ending in its IEND chunk, or a JPEG ending in its
 * end-of-image marker. Returns the store extension.
 */
export function assertImage(bytes: Uint8Array): 'png' | 'jpg' {
  const endsWith = (tail: number[]) => tail.every((byte, i) => bytes[bytes.byteLength - tail.length + i] === byte);
  if (PNG_SIGNATURE.every((byte, i) => bytes[i] === byte)) {
    if (!endsWith(PNG_END)) throw new InvalidImageError('the PNG ends before its IEND chunk (truncated?)');
    return 'png';
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    if (!endsWith([0xff, 0xd9])) throw new InvalidImageError('the JPEG ends before its end-of-image marker (truncated?)');
    return 'jpg';
  }
  throw new InvalidImageError(`neither PNG nor JPEG (${bytes.byteLength} bytes)`);
}

class InvalidImageError extends MeshyPluginError {
  constructor(reason: string) {
    super('MESHY_INVALID_IMAGE', `Not a valid image file: ${reason}`);
  }
}
