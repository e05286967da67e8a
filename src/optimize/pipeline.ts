import { type Document, Primitive, type Transform } from '@gltf-transform/core';
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
  weld,
} from '@gltf-transform/functions';
import { MeshoptEncoder } from 'meshoptimizer/encoder';
import type { ResolvedOptimizeOptions } from './options.js';
import { type SimplifyReport, simplifyMeshes } from './simplify.js';
import { finishTextures, startTextures, type TextureJob, type TextureReport } from './textures.js';

export interface PipelineReport {
  textures: TextureReport[];
  /** Texture reports still waiting for their quality checks once the steps are done. */
  pendingTextures: Promise<TextureReport[]>[];
  simplify: SimplifyReport | null;
}

/**
 * The transform list, in gltf-transform optimize's order (dedup → instance → palette → flatten → join
 * → weld → simplify → resample → prune → sparse), then the user's transforms, then geometry
 * compression last so that everything before it works on plain float data. Textures are encoded
 * on libvips' threads from right after the first prune until just before the user's transforms
 * (without any: until the end, compression included); their quality checks may still run while
 * the file is written (`pendingTextures`).
 */
export function buildPipeline(options: ResolvedOptimizeOptions, userTransforms: Transform[], report: PipelineReport): Transform[] {
  const textures: TextureJob = { encoded: null, reports: null };
  // Solid-colour textures are kept: finding them decodes every image once more on the critical
  // path, and WebP stores a single colour in a few dozen bytes anyway.
  const cleanup = () => prune({ keepAttributes: false, keepIndices: false, keepLeaves: false, keepSolidTextures: true });
  const steps: Transform[] = [dedup(), cleanup(), startTextures(options, textures)];
  if (options.joinMeshes) {
    steps.push(instance({ min: 5 }));
    if (options.preset !== 'lossless') steps.push(palette({ min: 5 }));
    steps.push(flatten(), joinPrimitives());
  }
  steps.push(weld());
  if (options.simplifyError > 0 || options.maxTriangles !== null) {
    report.simplify = { trianglesBefore: 0, trianglesAfter: 0, maxRelativeError: 0, skippedPrimitives: 0 };
    steps.push(simplifyMeshes({ maxTriangles: options.maxTriangles, simplifyError: options.simplifyError }, report.simplify));
  }
  if (options.resampleAnimations) steps.push(resample());
  steps.push(cleanup(), markSparse());
  // Geometry compression leaves images alone, so it runs while the last textures are encoded; the
  // user's transforms, though, are promised the final textures.
  if (userTransforms.length === 0) steps.push(...compressionSteps(options), finishTextures(textures, report.pendingTextures));
  else steps.push(finishTextures(textures, report.pendingTextures), ...userTransforms, ...compressionSteps(options));
  return steps;
}

function compressionSteps(options: ResolvedOptimizeOptions): Transform[] {
  switch (options.compression) {
    case 'meshopt':
      return options.quantize
        ? [meshopt({ encoder: MeshoptEncoder, level: 'high' })]
        : [reorder({ encoder: MeshoptEncoder, target: 'size' }), losslessMeshopt()];
    case 'draco':
      // Draco quantizes float weights per component, so their sums drift off 1 (invalid skins).
      // Weights stored as renormalized 8-bit integers first pass through Draco unchanged.
      return [
        normalizeSkinWeights(),
        quantize({ pattern: /^WEIGHTS_\d+$/, quantizeWeight: 8 }),
        draco({ method: 'edgebreaker', encodeSpeed: 5, decodeSpeed: 5 }),
      ];
    case 'quantize':
      return [quantize()];
    case 'none':
      return options.quantize ? [quantize()] : [];
  }
}

/** join() compacts every primitive even when it has nothing to join it with; a lone primitive is left to weld(). */
function joinPrimitives(): Transform {
  const joinAll = join({ keepNamed: false });
  return createTransform('meshy:join', async (document: Document) => {
    const primitives = document
      .getRoot()
      .listMeshes()
      .reduce((count, mesh) => count + mesh.listPrimitives().length, 0);
    if (primitives > 1) await document.transform(joinAll);
  });
}

/**
 * sparse() with its default ratio: accessors whose elements are less than a third non-zero are
 * stored sparse. Same decision, read straight from the arrays rather than element by element.
 */
export function markSparse(ratio = 1 / 3): Transform {
  return createTransform('meshy:sparse', (document: Document) => {
    for (const accessor of document.getRoot().listAccessors()) {
      const count = accessor.getCount();
      const sparse = nonZeroElements(accessor.getArray(), accessor.getElementSize(), count, ratio) / count < ratio;
      if (sparse !== accessor.getSparse()) accessor.setSparse(sparse);
    }
  });
}

/** Elements with a component that is not zero (NaN counts as zero, as in sparse()), counted until their share reaches `ratio`. */
function nonZeroElements(array: ArrayLike<number> | null, size: number, count: number, ratio: number): number {
  let nonZero = 0;
  for (let i = 0; array && i < count * size && nonZero / count < ratio; i += size) {
    for (let c = 0; c < size; c++) {
      const v = array[i + c]!;
      if (v > 0 || v < 0) {
        nonZero++;
        break;
      }
    }
  }
  return nonZero;
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
