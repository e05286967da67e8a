import { Primitive, type Document, type Transform } from '@gltf-transform/core';
import { EXTMeshoptCompression } from '@gltf-transform/extensions';
import {
  createTransform,
  dedup,
  draco,
  flatten,
  instance,
  join,
  meshopt,
  palette,
  prune,
  quantize,
  reorder,
  resample,
  sortPrimitiveWeights,
  sparse,
  weld,
} from '@gltf-transform/functions';
import { MeshoptEncoder } from 'meshoptimizer';
import type { ResolvedOptimizeOptions } from './options.js';
import { simplifyMeshes, type SimplifyReport } from './simplify.js';
import { finishTextures, startTextures, type TextureJob, type TextureReport } from './textures.js';

export interface PipelineReport {
  textures: TextureReport[];
  simplify: SimplifyReport | null;
}

/**
 * The transform list, in gltf-transform optimize's order (dedup → instance → palette → flatten → join
 * → weld → simplify → resample → prune → sparse), then the user's transforms, then geometry
 * compression last so that everything before it works on plain float data. Textures are encoded
 * on libvips' threads from right after the first prune until just before the user's transforms.
 */
export function buildPipeline(options: ResolvedOptimizeOptions, userTransforms: Transform[], report: PipelineReport): Transform[] {
  const textures: TextureJob = { pending: null };
  // Solid-colour textures are kept: finding them decodes every image once more on the critical
  // path, and WebP stores a single colour in a few dozen bytes anyway.
  const cleanup = () => prune({ keepAttributes: false, keepIndices: false, keepLeaves: false, keepSolidTextures: true });
  const steps: Transform[] = [dedup(), cleanup(), startTextures(options, textures)];
  if (options.joinMeshes) {
    steps.push(instance({ min: 5 }));
    if (options.preset !== 'lossless') steps.push(palette({ min: 5 }));
    steps.push(flatten(), join({ keepNamed: false }));
  }
  steps.push(weld());
  if (options.simplifyError > 0 || options.maxTriangles !== null) {
    report.simplify = { trianglesBefore: 0, trianglesAfter: 0, maxRelativeError: 0, skippedPrimitives: 0 };
    steps.push(simplifyMeshes({ maxTriangles: options.maxTriangles, simplifyError: options.simplifyError }, report.simplify));
  }
  if (options.resampleAnimations) steps.push(resample());
  steps.push(cleanup(), sparse(), finishTextures(textures, report.textures));
  steps.push(...userTransforms);
  steps.push(...compressionSteps(options));
  return steps;
}

function compressionSteps(options: ResolvedOptimizeOptions): Transform[] {
  switch (options.compression) {
    case 'meshopt':
      return options.quantize ? [meshopt({ encoder: MeshoptEncoder, level: 'high' })] : [reorder({ encoder: MeshoptEncoder, target: 'size' }), losslessMeshopt()];
    case 'draco':
      // Draco quantizes float weights per component, so their sums drift off 1 (invalid skins).
      // Weights stored as renormalized 8-bit integers first pass through Draco unchanged.
      return [normalizeSkinWeights(), quantize({ pattern: /^WEIGHTS_\d+$/, quantizeWeight: 8 }), draco({ method: 'edgebreaker', encodeSpeed: 5, decodeSpeed: 5 })];
    case 'quantize':
      return [quantize()];
    case 'none':
      return options.quantize ? [quantize()] : [];
  }
}

/** EXT_meshopt_compression over unquantized data: meshopt's byte codec only, bit-exact. */
function losslessMeshopt(): Transform {
  return createTransform('meshy:meshopt-lossless', (document: Document) => {
    document.createExtension(EXTMeshoptCompression).setRequired(true).setEncoderOptions({ method: EXTMeshoptCompression.EncoderMethod.QUANTIZE });
  });
}

function normalizeSkinWeights(): Transform {
  return createTransform('meshy:normalize-weights', (document: Document) => {
    for (const mesh of document.getRoot().listMeshes()) {
      for (const primitive of mesh.listPrimitives()) {
        if (primitive.getAttribute('WEIGHTS_0') && primitive.getMode() !== Primitive.Mode.POINTS) sortPrimitiveWeights(primitive);
      }
    }
  });
}

/** A short pipeline description for logs and the report. */
export function describePipeline(options: ResolvedOptimizeOptions): string {
  const parts: string[] = [options.preset];
  if (options.maxTriangles !== null) parts.push(`≤${options.maxTriangles} tris`);
  else if (options.simplifyError > 0) parts.push(`simplify ${options.simplifyError}`);
  parts.push(`${options.textureFormat}≤${options.maxTextureSize}`, options.compression);
  return parts.join(', ');
}
