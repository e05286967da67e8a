import { canonicalJson, sha256 } from '../hash.js';
import { BASISU_SETTINGS, basisuVersion } from './basisu.js';
import { type OptimizeOptions, type OptimizeOverrides, resolveOptimizeOptions } from './options.js';
import { OPTIMIZER_VERSIONS } from './versions.js';

/** Bumped whenever this stage's output for the same input and options changes. */
const PIPELINE_VERSION = 3;

/**
 * The optimized level's key: the raw bytes, the resolved options (preset + plugin-wide + per-import),
 * the user's `cacheKey` and every library that shapes the output. Functions (the `transforms` hook)
 * cannot be hashed; only their presence and `cacheKey` are. `basisu` names the KTX2 encoder build (tests replace it).
 */
export function optimizedKey(rawSha256: string, options: OptimizeOptions, overrides: OptimizeOverrides = {}, basisu = basisuVersion): string {
  const resolved = resolveOptimizeOptions(options, overrides);
  const hook = options === false || resolved === false ? null : { transforms: options.transforms !== undefined, cacheKey: options.cacheKey ?? null };
  // The Basis Universal encoder (an optional package) counts only for KTX2 output: installing it must
  // not change the keys of WebP models.
  const versions =
    resolved !== false && resolved.textureFormat === 'ktx2' ? { ...OPTIMIZER_VERSIONS, basisu: basisu(), basisuSettings: BASISU_SETTINGS } : OPTIMIZER_VERSIONS;
  return sha256(canonicalJson({ raw: rawSha256, options: resolved, hook, pipeline: PIPELINE_VERSION, versions }));
}
