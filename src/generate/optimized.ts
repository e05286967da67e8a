import { type OptimizedFile, readOptimized, type StoreLayout, writeOptimized } from '../cache/index.js';
import { optimizedKey } from '../optimize/key.js';
import type { OptimizeOptions, OptimizeOverrides } from '../optimize/options.js';
import type { OptimizePool } from '../optimize/pool.js';
import type { RemoteStore } from '../remote/index.js';
import type { OptimizedMeta } from './meta.js';

/** A raw model to optimize: its hash (the optimized file's key derives from it), its label, and how to read it on a miss. */
export interface RawSource {
  sha256: string;
  label: string;
  read: () => Promise<Uint8Array>;
}

export type OptimizedLevel = (raw: RawSource, overrides: OptimizeOverrides | undefined) => Promise<OptimizedFile<OptimizedMeta>>;

/**
 * The optimized level of the store: a raw model optimized with the project's options and an import's
 * overrides, read from the store or made now. A stored file is checked against the size and hash
 * recorded with it; a damaged one is made again from raw, with a warning, never shipped. Optimizing
 * is CPU-bound: it runs on a small pool of worker threads, created on first use.
 */
export function createOptimizedLevel(
  layout: StoreLayout,
  options: OptimizeOptions,
  warn: (line: string) => void,
  remote?: () => Promise<RemoteStore | undefined>,
): OptimizedLevel {
  let pool: OptimizePool | undefined;
  return async (raw, overrides) => {
    const key = optimizedKey(raw.sha256, options, overrides);
    const cached = await readOptimized<OptimizedMeta>(layout, key, (damage) =>
      warn(`"${raw.label}": the optimized file ${damage.path} is damaged (${damage.cause}); making it again from the raw file (no Meshy call)`),
    );
    if (cached?.meta.report) return cached;
    // A teammate's copy, checked against its recorded sha256, before optimizing here.
    const store = await remote?.();
    if (store && (await store.pullOptimized(layout, key, raw.label))) {
      const pulled = await readOptimized<OptimizedMeta>(layout, key);
      if (pulled?.meta.report) return pulled;
    }
    const bytes = await raw.read();
    // The optimizer (gltf-transform, meshoptimizer, sharp, workers) loads on the first file to make, never on a hit.
    const { createOptimizePool, defaultWorkerCount, optimizeGlb } = await import('../optimize/index.js');
    pool ??= createOptimizePool(options === false ? 1 : (options.workers ?? defaultWorkerCount()));
    const result = await optimizeGlb(bytes, options, { overrides, pool });
    const written = await writeOptimized<OptimizedMeta>(layout, key, result.bytes, {
      rawSha256: raw.sha256,
      stats: result.after,
      bytes: result.bytes.byteLength,
      rawBytes: bytes.byteLength,
      report: result.report,
    });
    await store?.pushOptimized(layout, key);
    return written;
  };
}
