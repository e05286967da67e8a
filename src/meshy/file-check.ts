import { MeshyPluginError } from '../errors.js';

/**
 * Checks a downloaded file as it streams, holding only its first bytes (the GLB header and JSON
 * chunk, or an image signature) and its last 8: the same checks the store makes on bytes
 * (src/cache/glb.ts), so a truncated or foreign download is refused, and retried, before it is kept.
 */
export interface StreamCheck {
  update(chunk: Uint8Array): void;
  /** Throws when what arrived is not a whole file of its kind. */
  finish(): void;
}

export type FileKind = 'glb' | 'image';

class InvalidFileError extends MeshyPluginError {
  constructor(kind: FileKind, reason: string) {
    super(kind === 'glb' ? 'MESHY_INVALID_GLB' : 'MESHY_INVALID_IMAGE', `Not a valid ${kind === 'glb' ? 'GLB' : 'image'} file: ${reason}`);
  }
}

export function createStreamCheck(kind: FileKind): StreamCheck {
  return kind === 'glb' ? glbCheck() : imageCheck();
}

const GLB_MAGIC = 0x46546c67; // 'glTF' little-endian
const JSON_CHUNK = 0x4e4f534a; // 'JSON'
const HEADER_BYTES = 20; // the 12-byte GLB header and the first chunk's 8-byte header
/** A JSON chunk this large is not parsed while streaming (the store parses it again anyway): Meshy's are kilobytes. */
const MAX_STREAMED_JSON_BYTES = 64 * 1024 * 1024;

/** The GLB header, the declared length against what arrives, and a JSON chunk that parses as glTF 2.0. */
function glbCheck(): StreamCheck {
  const fail = (reason: string): never => {
    throw new InvalidFileError('glb', reason);
  };
  const prefix = createPrefix();
  let received = 0;
  let declared: number | undefined;
  let jsonEnd = 0;
  let jsonChecked = false;

  const checkHeader = (head: Uint8Array) => {
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    if (view.getUint32(0, true) !== GLB_MAGIC) fail('missing the "glTF" magic');
    const version = view.getUint32(4, true);
    if (version !== 2) fail(`glTF version ${version}, expected 2`);
    declared = view.getUint32(8, true);
    const jsonLength = view.getUint32(12, true);
    jsonEnd = HEADER_BYTES + jsonLength;
    if (view.getUint32(16, true) !== JSON_CHUNK || jsonEnd > declared) fail('the first chunk is not a complete JSON chunk');
    if (jsonLength <= MAX_STREAMED_JSON_BYTES) prefix.want(jsonEnd);
    else jsonChecked = true;
  };
  const checkJson = (json: Uint8Array) => {
    let parsed: { asset?: { version?: unknown } };
    try {
      parsed = JSON.parse(new TextDecoder().decode(json));
    } catch (cause) {
      return fail(`its JSON chunk does not parse (${(cause as Error).message})`);
    }
    if (parsed?.asset?.version !== '2.0') fail(`asset.version is ${JSON.stringify(parsed?.asset?.version)}, expected "2.0"`);
    jsonChecked = true;
  };

  prefix.want(HEADER_BYTES);
  return {
    update(chunk) {
      received += chunk.byteLength;
      if (declared !== undefined && received > declared) fail(`more than the ${declared} bytes its header declares arrived`);
      prefix.take(chunk);
      // The header tells how long the JSON chunk is: `want` then takes it from this chunk on.
      if (declared === undefined && prefix.length >= HEADER_BYTES) checkHeader(prefix.bytes());
      if (declared !== undefined && !jsonChecked && prefix.length >= jsonEnd) checkJson(prefix.bytes().subarray(HEADER_BYTES, jsonEnd));
    },
    finish() {
      if (declared === undefined) fail(`only ${received} bytes`);
      if (declared !== received) fail(`header declares ${declared} bytes but ${received} arrived (truncated?)`);
      if (!jsonChecked) fail('the first chunk is not a complete JSON chunk');
    },
  };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_END = [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]; // IEND chunk type + CRC
const JPEG_START = [0xff, 0xd8, 0xff];
const JPEG_END = [0xff, 0xd9];

/** A PNG ending in its IEND chunk, or a JPEG ending in its end-of-image marker. */
function imageCheck(): StreamCheck {
  const fail = (reason: string): never => {
    throw new InvalidFileError('image', reason);
  };
  const prefix = createPrefix();
  prefix.want(PNG_SIGNATURE.length);
  let tail: Uint8Array = new Uint8Array(0);
  let received = 0;
  const startsWith = (bytes: Uint8Array, head: number[]) => head.every((byte, i) => bytes[i] === byte);
  const endsWith = (end: number[]) => end.every((byte, i) => tail[tail.byteLength - end.length + i] === byte);
  const type = (): 'png' | 'jpg' | undefined => {
    const head = prefix.bytes();
    if (startsWith(head, PNG_SIGNATURE)) return 'png';
    if (startsWith(head, JPEG_START)) return 'jpg';
    return undefined;
  };
  return {
    update(chunk) {
      received += chunk.byteLength;
      prefix.take(chunk);
      // An HTML error page is refused at its first bytes, not after the whole of it arrived.
      if (prefix.length >= PNG_SIGNATURE.length && !type()) fail(`neither PNG nor JPEG (its first bytes do not match)`);
      tail = lastBytes(tail, chunk, PNG_END.length);
    },
    finish() {
      const found = type();
      if (found === 'png' && !endsWith(PNG_END)) fail('the PNG ends before its IEND chunk (truncated?)');
      if (found === 'jpg' && !endsWith(JPEG_END)) fail('the JPEG ends before its end-of-image marker (truncated?)');
      if (!found) fail(`neither PNG nor JPEG (${received} bytes)`);
    },
  };
}

/** The last `count` bytes of `before` followed by `chunk`. */
function lastBytes(before: Uint8Array, chunk: Uint8Array, count: number): Uint8Array {
  if (chunk.byteLength >= count) return chunk.slice(chunk.byteLength - count);
  const joined = new Uint8Array(before.byteLength + chunk.byteLength);
  joined.set(before);
  joined.set(chunk, before.byteLength);
  return joined.slice(Math.max(0, joined.byteLength - count));
}

/** The first bytes of a stream, up to a length that may grow while they arrive. */
function createPrefix() {
  const parts: Uint8Array[] = [];
  let length = 0;
  let wanted = 0;
  /** The stream's bytes not yet seen here but already passed by (when `want` grows later). */
  let pending: Uint8Array = new Uint8Array(0);
  let joined: Uint8Array | undefined;
  return {
    get length() {
      return length;
    },
    want(bytes: number) {
      wanted = Math.max(wanted, bytes);
      if (pending.byteLength) {
        const rest = pending;
        pending = new Uint8Array(0);
        this.take(rest);
      }
    },
    take(chunk: Uint8Array) {
      const part = chunk.subarray(0, Math.max(0, wanted - length));
      if (part.byteLength) {
        parts.push(part.slice());
        length += part.byteLength;
        joined = undefined;
      }
      // What lies past the wanted length is kept only until the next call: `want` may still ask for it.
      pending = chunk.subarray(part.byteLength);
    },
    bytes(): Uint8Array {
      if (!joined) {
        joined = new Uint8Array(length);
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.byteLength;
        }
      }
      return joined;
    },
  };
}
