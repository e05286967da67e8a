import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Connect } from 'vite';

export const DEV_URL_SEGMENT = '@meshy/';
const MODEL_PATH = /\/@meshy\/([0-9a-f]{64})\.(glb|png|jpg)$/;
const CONTENT_TYPES: Record<string, string> = { glb: 'model/gltf-binary', png: 'image/png', jpg: 'image/jpeg' };

export interface DevMiddlewareOptions {
  /** The store's optimized level (models, images, previews and placeholders), once known. */
  optimizedDir: () => string | undefined;
  /** Vite's `server.fs` rules for a file path (isFileLoadingAllowed). */
  isAllowed: (path: string) => boolean;
}

/**
 * Serves optimized models in dev straight from the store, as stored (no re-encoding per request).
 * Only file names shaped like store keys are served, so no path can reach outside the store. Never
 * throws: a missing file is a 404, a store outside `server.fs.allow` a 403 that says what to do.
 */
export function createDevMiddleware({ optimizedDir, isAllowed }: DevMiddlewareOptions): Connect.NextHandleFunction {
  return (req, res, next) => {
    const match = MODEL_PATH.exec((req.url ?? '').split('?')[0]!);
    const dir = optimizedDir();
    if (!match || !dir || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const [, hash, ext] = match as unknown as [string, string, string];
    const path = join(dir, `${hash}.${ext}`);
    if (!isAllowed(path)) {
      res.statusCode = 403;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`vite-plugin-meshy: the model cache ${dir} is outside Vite's server.fs.allow; add it there to serve its models.`);
      return;
    }
    stat(path).then(
      (info) => {
        // The name is a content hash: it never changes meaning, so it is its own ETag.
        const etag = `"${hash}"`;
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) {
          res.statusCode = 304;
          return res.end();
        }
        res.statusCode = 200;
        res.setHeader('Content-Type', CONTENT_TYPES[ext]!);
        res.setHeader('Content-Length', info.size);
        if (req.method === 'HEAD') return res.end();
        createReadStream(path)
          .on('error', () => res.destroy())
          .pipe(res);
      },
      () => {
        res.statusCode = 404;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end('Not found');
      },
    );
  };
}
