import { canonicalJson, sha256 } from '../hash.js';
import { type OptimizeOptions, type OptimizeOverrides, resolveOptimizeOptions } from './options.js';
import { OPTIMIZER_VERSIONS } from './versions.js';

/** Bumped whenever this stage's output for the same input and options changes. */
const PIPELINE_VERSION = 2;

/**
 * The optimized level's key: the raw bytes, the resolved options (preset + plugin-wide + per-import),
 * the user's `cacheKey` and every library that shapes the output. Functions (the `transforms` hook)
 * cannot be hashed; only their presence and `cacheKey` are.
 */
export function optimizedKey(rawSha256: string, options: OptimizeOptions, overrides: OptimizeOverrides = {}): string {
  const resolved = resolveOptimizeOptions(options, overrides);
  const hook = options === false || resolved === false ? null : { transforms: options.transforms !== undefined, cacheKey: options.cacheKey ?? null };
  return sha256(canonicalJson({ raw: rawSha256, options: resolved, hook, pipeline: PIPELINE_VERSION, versions: OPTIMIZER_VERSIONS }));
}
