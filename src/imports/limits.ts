import { quote } from './printable.js';

/**
 * Meshy's own limits on inputs, checked when an import is parsed so that no task is paid for and
 * then refused. Meshy answers a request body over 25 MB with HTTP 413 (the emulator does the same,
 * src/emulator/http.ts); a data URI is the bulk of such a body. Image to 3D takes an image "as a
 * publicly accessible URL or a data URI" (https://docs.meshy.ai/en/api/image-to-3d).
 */
export const MAX_DATA_URI_LENGTH = 25 * 1024 * 1024;

/** How long the data URI of `size` bytes of `mimeType` is: base64 makes 4 characters of every 3 bytes. */
export function dataUriLength(size: number, mimeType: string): number {
  return `data:${mimeType};base64,`.length + 4 * Math.ceil(size / 3);
}

/** `12.3 MB` */
export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Why a `data:` URI written in an import cannot be sent, or undefined when it can. */
export function dataUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_DATA_URI_LENGTH) {
    return `this data: URI is ${megabytes(uri.length)}; Meshy refuses requests over ${megabytes(MAX_DATA_URI_LENGTH)}: make the image smaller or give an https:// URL`;
  }
  const base64 = uri.slice(uri.indexOf(',') + 1).replace(/\s+/g, '');
  if (base64 === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return 'this data: URI holds no valid base64 data';
  return undefined;
}

/** Why an `https://` URL cannot be handed to Meshy as is, or undefined when it can. */
export function httpsUrlProblem(url: string): string | undefined {
  if (/[\s\p{Cc}]/u.test(url)) {
    return `${quote(url, 80)} contains spaces or control characters: percent-encode them (a space is %20, and + in an import is a space: write %2B)`;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${quote(url, 80)} is not a valid URL`;
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '') return `${quote(url, 80)} is not an https:// URL with a host`;
  // The URL is sent to Meshy and written to the manifest you commit: no passwords in it.
  if (parsed.username !== '' || parsed.password !== '')
    return `${quote(`https://${parsed.host}${parsed.pathname}`, 80)} carries a user name or password: remove them`;
  return undefined;
}
