import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestFaultOf } from './schema.js';

/** How the faults look on the wire. All of them leave the server able to close at once. */

/** Drops the connection with a TCP reset: the client sees no answer at all. */
export function resetConnection(req: IncomingMessage): void {
  req.socket.resetAndDestroy();
}

/**
 * 429 as Meshy words it (https://docs.meshy.ai/en/api/rate-limits, https://docs.meshy.ai/en/api/errors): without a Retry-After, as
 * Meshy sends it, unless the fault asks for one.
 */
export function sendRateLimit(res: ServerResponse, fault: RequestFaultOf<'rate-limit'>): void {
  const retryAfter: Record<string, string> = fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
  sendText(res, 429, 'application/json', JSON.stringify({ message: fault.message }), retryAfter);
}

/**
 * 500 and 503 with Meshy's `{message}` body (https://docs.meshy.ai/en/api/errors, messages observed in
 * https://docs.meshy.ai/en/api/errors); 502 as a gateway in
 * front of the API would send it, an HTML page, which clients must not try to read as JSON.
 */
export function sendServerError(res: ServerResponse, status: 500 | 502 | 503): void {
  if (status === 502) {
    sendText(res, 502, 'text/html; charset=utf-8', htmlPage('502 Bad Gateway'));
    return;
  }
  const message = status === 500 ? 'Internal server error.' : 'The server is busy. Please try again later.';
  sendText(res, status, 'application/json', JSON.stringify({ message }));
}

/** The headers and full Content-Length of a download, the first `afterBytes` bytes, then a reset. */
export function sendThenReset(res: ServerResponse, headers: Record<string, string | number>, bytes: Uint8Array, afterBytes: number): void {
  res.writeHead(200, { ...headers, 'content-length': bytes.byteLength });
  res.flushHeaders();
  const part = bytes.subarray(0, Math.min(afterBytes, bytes.byteLength));
  if (part.byteLength === 0) return void setImmediate(() => res.socket?.resetAndDestroy());
  res.write(part, () => res.socket?.resetAndDestroy());
}

/** The headers and the first `afterBytes` bytes, a pause of `stallMs`, then the rest (unless the client left). */
export function sendWithStall(res: ServerResponse, headers: Record<string, string | number>, bytes: Uint8Array, afterBytes: number, stallMs: number): void {
  res.writeHead(200, { ...headers, 'content-length': bytes.byteLength });
  res.flushHeaders();
  const cut = Math.min(afterBytes, bytes.byteLength);
  res.write(bytes.subarray(0, cut));
  const timer = setTimeout(() => res.end(bytes.subarray(cut)), stallMs);
  res.on('close', () => clearTimeout(timer));
}

/** The full Content-Length announced, fewer bytes sent, then the connection closed cleanly (FIN). */
export function sendTruncated(res: ServerResponse, headers: Record<string, string | number>, bytes: Uint8Array, sentBytes: number | undefined): void {
  const count = Math.min(sentBytes ?? Math.floor(bytes.byteLength / 2), Math.max(0, bytes.byteLength - 1));
  res.writeHead(200, { ...headers, 'content-length': bytes.byteLength });
  res.flushHeaders();
  res.write(bytes.subarray(0, count), () => res.socket?.end());
}

/** 200 with the wrong bytes: a CDN's HTML error page, or the file's bytes scrambled (same length and type). */
export function sendCorrupt(res: ServerResponse, contentType: string, bytes: Uint8Array, body: 'html' | 'scrambled'): void {
  if (body === 'html') {
    sendText(res, 200, 'text/html; charset=utf-8', htmlPage('Something went wrong'));
    return;
  }
  const scrambled = Uint8Array.from(bytes, (byte) => byte ^ 0x5a);
  res.writeHead(200, { 'content-type': contentType, 'content-length': scrambled.byteLength });
  res.end(scrambled);
}

/** A padding chunk's type: not JSON or BIN, so glTF readers skip it (https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html#chunks). */
const PAD_CHUNK = 0x44415058; // 'XPAD' little-endian

/**
 * `glb` grown to `totalBytes` (rounded up to a multiple of 4) by a padding chunk of zeros, streamed in
 * 1 MiB pieces with backpressure, so a GLB of gigabytes costs the emulator no memory.
 */
export function sendPaddedGlb(res: ServerResponse, contentType: string, glb: Uint8Array, totalBytes: number, withLength: boolean): void {
  const total = Math.max(glb.byteLength + 8, Math.ceil(totalBytes / 4) * 4);
  const header = Buffer.from(glb.subarray(0, 12));
  header.writeUInt32LE(total, 8);
  const padHeader = Buffer.alloc(8);
  padHeader.writeUInt32LE(total - glb.byteLength - 8, 0);
  padHeader.writeUInt32LE(PAD_CHUNK, 4);
  res.writeHead(200, { 'content-type': contentType, ...(withLength ? { 'content-length': total } : {}) });
  res.write(header);
  res.write(glb.subarray(12));
  res.write(padHeader);
  const zeros = Buffer.alloc(1024 * 1024);
  let left = total - glb.byteLength - 8;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const piece = zeros.subarray(0, Math.min(left, zeros.byteLength));
      left -= piece.byteLength;
      if (!res.write(piece)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

function sendText(res: ServerResponse, status: number, contentType: string, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function htmlPage(title: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1><p>Please try again later.</p></body></html>\n`;
}
