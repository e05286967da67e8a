import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Result files are served like Meshy's CDN serves them (https://docs.meshy.ai/en/api/image-to-3d,
 * https://docs.meshy.ai/en/api/asset-retention): signed URLs that need no
 * Authorization header, `…/<task id>/output/<file>?Expires=<s>&Signature=<sig>`; a stale or
 * tampered URL is 403.
 */

const ASSET_PATH = /^\/assets\/([^/]+)\/output\/([^/]+)$/;

function assetPath(taskId: string, file: string): string {
  return `/assets/${taskId}/output/${file}`;
}

export function parseAssetPath(pathname: string): { taskId: string; file: string } | undefined {
  const match = ASSET_PATH.exec(pathname);
  return match ? { taskId: decodeURIComponent(match[1]!), file: decodeURIComponent(match[2]!) } : undefined;
}

/** Expires in seconds, as in Meshy's examples (https://docs.meshy.ai/en/api/text-to-3d): the link's end, at most the task's retention. */
export function signAssetUrl(baseUrl: string, secret: Buffer, taskId: string, file: string, expiresAtMs: number): string {
  const path = assetPath(taskId, file);
  const expires = Math.floor(expiresAtMs / 1000);
  return `${baseUrl}${path}?Expires=${expires}&Signature=${signature(secret, path, expires)}`;
}

export type SignatureCheck = 'valid' | 'invalid' | 'expired';

export function checkAssetSignature(secret: Buffer, pathname: string, query: URLSearchParams, nowMs: number): SignatureCheck {
  const expiresText = query.get('Expires') ?? '';
  if (!/^\d+$/.test(expiresText)) return 'invalid';
  const expected = Buffer.from(signature(secret, pathname, Number(expiresText)));
  const given = Buffer.from(query.get('Signature') ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  return nowMs >= Number(expiresText) * 1000 ? 'expired' : 'valid';
}

export function contentTypeOf(file: string): string {
  if (file.endsWith('.glb')) return 'model/gltf-binary';
  if (file.endsWith('.png')) return 'image/png';
  return 'application/octet-stream';
}

function signature(secret: Buffer, path: string, expires: number): string {
  return createHmac('sha256', secret).update(`${path}\n${expires}`).digest('base64url');
}
