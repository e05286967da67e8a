import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAssetSignature, contentTypeOf, parseAssetPath } from './assets.js';
import { sendCorrupt, sendPaddedGlb, sendThenReset, sendTruncated, sendWithStall } from './faults/index.js';
import type { AssetSource } from './resource.js';
import { type EmulatorState, recordFault, resourceOf } from './state.js';
import { snapshotAt } from './tasks.js';

/**
 * Downloads of result files, the emulator's stand-in for Meshy's CDN: no Authorization, 403 for a
 * bad or stale signature, 404 for a deleted task (https://docs.meshy.ai/en/api/image-to-3d,
 * https://docs.meshy.ai/en/api/asset-retention). Files are generated on the first
 * request and kept in the byte cache, so later downloads (and HEAD) are fast.
 */
export async function serveAsset(state: EmulatorState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const plain = (status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const target = parseAssetPath(url.pathname);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !target) return plain(404, 'Not Found');
  const now = state.options.now();
  const signature = checkAssetSignature(state.secret, url.pathname, url.searchParams, now);
  if (signature === 'invalid') return plain(403, 'Access denied: invalid signature');
  if (signature === 'expired') return plain(403, 'Access denied: this URL has expired');
  const task = state.tasks.get(target.taskId);
  const source = task && snapshotAt(task, now).status === 'SUCCEEDED' ? resourceOf(state, task).asset(task, target.file, state.options.profile) : undefined;
  if (!source) return plain(404, 'Not Found');
  const load = (asset: AssetSource): Promise<Uint8Array> => state.files.get(asset.cacheKey, () => asset.produce(load));
  const bytes = await load(source);
  const contentType = contentTypeOf(target.file);
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength });
    return void res.end();
  }
  state.stats.downloads++;
  const kinds = [
    'expired-link',
    'download-reset',
    'download-stall',
    'truncated-download',
    'corrupt-download',
    ...(target.file.endsWith('.glb') ? (['large-download'] as const) : []),
  ] as const;
  const fault = state.faults.take(kinds, 'GET', url.pathname);
  if (fault) recordFault(state, fault.kind);
  switch (fault?.kind) {
    case 'expired-link':
      return plain(403, 'Access denied: this URL has expired');
    case 'download-reset':
      return sendThenReset(res, { 'content-type': contentType }, bytes, fault.afterBytes);
    case 'download-stall':
      return sendWithStall(res, { 'content-type': contentType }, bytes, fault.afterBytes, fault.stallMs);
    case 'truncated-download':
      return sendTruncated(res, { 'content-type': contentType }, bytes, fault.bytes);
    case 'corrupt-download':
      return sendCorrupt(res, contentType, bytes, fault.body);
    case 'large-download':
      return sendPaddedGlb(res, contentType, bytes, fault.bytes, fault.contentLength);
    default:
      res.writeHead(200, { 'content-type': contentType, 'content-length': bytes.byteLength });
      res.end(bytes);
  }
}
