import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkAssetSignature, contentTypeOf, parseAssetPath } from './assets.js';
import { resourceOf, type EmulatorState } from './state.js';
import { snapshotAt } from './tasks.js';

/**
 * Downloads of result files, the emulator's stand-in for Meshy's CDN: no Authorization, 403 for a
 * bad or stale signature, 404 for a deleted task (§1.9, §1.11). Files are generated on the first
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
  const bytes = await state.files.get(source.cacheKey, source.produce);
  res.writeHead(200, { 'content-type': contentTypeOf(target.file), 'content-length': bytes.byteLength });
  if (req.method === 'HEAD') return void res.end();
  state.stats.downloads++;
  res.end(bytes);
}
