import { VERSION as GLTF_TRANSFORM_VERSION } from '@gltf-transform/core';
import { dedup, prune } from '@gltf-transform/functions';
import { z } from 'zod';
import { canonicalJson } from '../spec/index.js';
import { sha256 } from '../cache/store.js';
import { getIO } from './io.js';
import { readModelStats, type ModelStats } from './stats.js';

export { readModelStats, type ModelStats, type TextureStats } from './stats.js';
export { getIO } from './io.js';

/**
 * Plugin-wide optimize options. `false` ships Meshy's bytes untouched; `lossless` (the default for now)
 * only removes what nothing references and merges duplicates.
 */
export const optimizeOptionsSchema = z.union([
  z.literal(false),
  z.strictObject({
    preset: z.enum(['lossless']).default('lossless'),
  }),
]);

export type OptimizeOptions = z.infer<typeof optimizeOptionsSchema>;

/** Bumped whenever this stage's output for the same input and options changes. */
const PIPELINE_VERSION = 1;

/** The optimized level's key: the raw bytes, the options and every library that shapes the output. */
export function optimizedKey(rawSha256: string, options: OptimizeOptions): string {
  return sha256(
    canonicalJson({ raw: rawSha256, options, pipeline: PIPELINE_VERSION, gltfTransform: GLTF_TRANSFORM_VERSION }),
  );
}

export interface OptimizeResult {
  bytes: Uint8Array;
  before: ModelStats & { bytes: number };
  after: ModelStats & { bytes: number };
}

export async function optimizeGlb(input: Uint8Array, options: OptimizeOptions): Promise<OptimizeResult> {
  const io = await getIO();
  const document = await io.readBinary(input);
  const before = { ...readModelStats(document), bytes: input.byteLength };
  if (options === false) return { bytes: input, before, after: before };

  await document.transform(dedup(), prune());
  const written = await io.writeBinary(document);
  // Never ship a file larger than what came in.
  const bytes = written.byteLength < input.byteLength ? written : input;
  const after = bytes === input ? before : { ...readModelStats(document), bytes: bytes.byteLength };
  return { bytes, before, after };
}
