import { type Accessor, type Document, Primitive, type Transform } from '@gltf-transform/core';
import { compactPrimitive, createTransform, weldPrimitive } from '@gltf-transform/functions';
import { MeshoptSimplifier } from 'meshoptimizer/simplifier';

export interface SimplifyStepOptions {
  /** Triangles the whole model may keep; null: only the error bound applies. */
  maxTriangles: number | null;
  /** Largest error, relative to each mesh's extent. */
  simplifyError: number;
}

export interface SimplifyReport {
  trianglesBefore: number;
  trianglesAfter: number;
  /** Largest relative geometric error the simplifier reported over all primitives (fraction of mesh extent). */
  maxRelativeError: number;
  /** Primitives left alone: morph targets, non-triangle modes, quantized positions. */
  skippedPrimitives: number;
}

/**
 * How far a collapse may change each attribute while staying within the error bound: a shading normal
 * may turn by about 2° (chord 0.035), a vertex colour by 2/255. meshoptimizer adds weighted attribute
 * error to the relative positional error, so the weight is `error bound / tolerance`; a fixed weight
 * would make the bound near zero for normals at 1e-4 and keep triangles that position-only
 * simplification (gltf-transform's) removes at no visible cost. UV seams are kept by meshoptimizer itself.
 */
const ATTRIBUTE_TOLERANCES: Record<string, number> = { NORMAL: 0.035, COLOR_0: 2 / 255 };
/** With a triangle budget the count is fixed and the weights only choose which edges go: normals count half, colours fully. */
const BUDGET_ATTRIBUTE_WEIGHTS: Record<string, number> = { NORMAL: 0.5, COLOR_0: 1 };
/** With a budget, the error may grow to this before we give up on meeting it. */
const BUDGET_ERROR_CAP = 0.05;

/**
 * Attribute-aware simplification with meshoptimizer: every triangle primitive is reduced as far as
 * `simplifyError` allows or, given `maxTriangles`, by the share that meets the budget model-wide.
 */
export function simplifyMeshes(options: SimplifyStepOptions, report: SimplifyReport): Transform {
  return createTransform('meshy:simplify', async (document: Document) => {
    await MeshoptSimplifier.ready;
    const primitives = document
      .getRoot()
      .listMeshes()
      .flatMap((mesh) => mesh.listPrimitives());
    const candidates = primitives.filter(isSimplifiable);
    const countOf = (p: Primitive) => triangleCount(p);
    const total = primitives.reduce((sum, p) => sum + (p.getMode() === Primitive.Mode.TRIANGLES ? countOf(p) : 0), 0);
    const fixed = total - candidates.reduce((sum, p) => sum + countOf(p), 0);
    report.trianglesBefore = total;
    report.skippedPrimitives = primitives.length - candidates.length;

    const budget = options.maxTriangles;
    const ratio = budget !== null && total > budget ? Math.max(0, (budget - fixed) / (total - fixed)) : null;
    let maxError = 0;
    for (const primitive of candidates) {
      const error = simplifyPrimitive(primitive, ratio, options.simplifyError);
      maxError = Math.max(maxError, error);
    }
    report.maxRelativeError = maxError;
    report.trianglesAfter = primitives.reduce((sum, p) => sum + (p.getMode() === Primitive.Mode.TRIANGLES ? countOf(p) : 0), 0);
  });
}

function isSimplifiable(primitive: Primitive): boolean {
  const position = primitive.getAttribute('POSITION');
  return (
    primitive.getMode() === Primitive.Mode.TRIANGLES &&
    primitive.listTargets().length === 0 &&
    position !== null &&
    position.getArray() instanceof Float32Array &&
    triangleCount(primitive) >= 16
  );
}

function triangleCount(primitive: Primitive): number {
  const indices = primitive.getIndices();
  return Math.floor((indices ? indices.getCount() : (primitive.getAttribute('POSITION')?.getCount() ?? 0)) / 3);
}

/** Returns the relative error introduced. `ratio` null: error-bound only. */
function simplifyPrimitive(primitive: Primitive, ratio: number | null, errorBound: number): number {
  if (ratio === null && errorBound <= 0) return 0;
  // weld() ran just before, over the whole document; only unindexed leftovers need it here.
  if (!primitive.getIndices()) weldPrimitive(primitive);
  const indicesAccessor = primitive.getIndices()!;
  const indices = Uint32Array.from(indicesAccessor.getArray()!);
  const positions = primitive.getAttribute('POSITION')!.getArray() as Float32Array;
  const vertexCount = positions.length / 3;
  const { attributes, stride, weights } = packAttributes(primitive, vertexCount, attributeWeights(ratio === null ? errorBound : null));

  // Budget: aim for the share, let the error grow up to the cap; else: go as far as the bound allows.
  const target = ratio === null ? 0 : Math.floor((indices.length / 3) * ratio) * 3;
  const error = ratio === null ? errorBound : Math.max(errorBound, BUDGET_ERROR_CAP);
  let [result, resultError] =
    stride > 0
      ? MeshoptSimplifier.simplifyWithAttributes(indices, positions, 3, attributes, stride, weights, null, target, error, [])
      : MeshoptSimplifier.simplify(indices, positions, 3, target, error, []);
  if (ratio !== null && result.length > target * 1.05 && target > 0) {
    // Attribute seams stop the simplifier short of the budget: collapse across them.
    [result, resultError] = MeshoptSimplifier.simplify(indices, positions, 3, target, 1, ['Permissive']);
  }
  if (result.length === 0 || result.length >= indices.length) return 0;
  setIndices(primitive, indicesAccessor, result, vertexCount);
  compactPrimitive(primitive);
  return resultError;
}

/** Per-attribute weights for meshoptimizer: from the tolerances under an error bound, fixed under a budget (`errorBound` null). */
function attributeWeights(errorBound: number | null): Record<string, number> {
  if (errorBound === null) return BUDGET_ATTRIBUTE_WEIGHTS;
  return Object.fromEntries(Object.entries(ATTRIBUTE_TOLERANCES).map(([semantic, tolerance]) => [semantic, errorBound / tolerance]));
}

function packAttributes(
  primitive: Primitive,
  vertexCount: number,
  attributeWeights: Record<string, number>,
): { attributes: Float32Array; stride: number; weights: number[] } {
  const used: { accessor: Accessor; size: number; weight: number }[] = [];
  for (const [semantic, weight] of Object.entries(attributeWeights)) {
    const accessor = primitive.getAttribute(semantic);
    if (accessor && accessor.getArray() instanceof Float32Array && !accessor.getNormalized()) {
      used.push({ accessor, size: Math.min(3, accessor.getElementSize()), weight });
    }
  }
  const stride = used.reduce((sum, u) => sum + u.size, 0);
  const attributes = new Float32Array(vertexCount * stride);
  const weights: number[] = [];
  let offset = 0;
  for (const { accessor, size, weight } of used) {
    const array = accessor.getArray() as Float32Array;
    const elementSize = accessor.getElementSize();
    for (let v = 0; v < vertexCount; v++) for (let c = 0; c < size; c++) attributes[v * stride + offset + c] = array[v * elementSize + c]!;
    for (let c = 0; c < size; c++) weights.push(weight);
    offset += size;
  }
  return { attributes, stride, weights };
}

function setIndices(primitive: Primitive, accessor: Accessor, indices: Uint32Array, vertexCount: number): void {
  const array = vertexCount <= 65534 ? Uint16Array.from(indices) : indices;
  // The accessor may be shared with another primitive: give this one its own.
  if (accessor.listParents().filter((p) => p.propertyType !== 'Root').length > 1) {
    primitive.setIndices(accessor.clone().setArray(array));
  } else {
    accessor.setArray(array);
  }
}
