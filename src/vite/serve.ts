import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connect } from 'vite';

export const DEV_URL_SEGMENT = '@meshy/';
const MODEL_PATH = /\/@meshy\/([0-9a-f]{64}\.glb)$/;

/**
 * Serves optimized models in dev straight from the store, as stored (no re-encoding per request).
 * Only file names shaped like store keys are served, so no path can reach outside the store.
 */
export function createDevMiddleware(optimizedDir: () => string | undefined): Connect.NextHandleFunction {
  return (req, res, next) => {
    const match = MODEL_PATH.exec((req.url ?? '').split('?')[0]!);
    const dir = optimizedDir();
    if (!match || !dir || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const path = join(dir, match[1]!);
    stat(path).then(
      (info) => {
        res.statusCode = 200;
        res.setHeader('Content-Type', 'model/gltf-binary');
        res.setHeader('Content-Length', info.size);
        // The name is a content hash: it never changes meaning.
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        if (req.method === 'HEAD') return res.end();
        createReadStream(path).on('error', next).pipe(res);
      },
      () => {
        res.statusCode = 404;
        res.end('Not found');
      },
    );
  };
}
