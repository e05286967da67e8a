import { type Document, ImageUtils, type Mesh, type mat4, type Scene } from '@gltf-transform/core';
import { getGLPrimitiveCount } from '@gltf-transform/functions';

interface TextureStats {
  name: string;
  mimeType: string;
  width: number;
  height: number;
  bytes: number;
}

/** What a game needs to know about a model without loading it. */
export interface ModelStats {
  triangles: number;
  vertices: number;
  meshes: number;
  materials: number;
  textures: TextureStats[];
  animations: string[];
  skinned: boolean;
  bounds: { min: [number, number, number]; max: [number, number, number] };
}

const TRIANGLE_MODES = new Set([4, 5, 6]); // TRIANGLES, TRIANGLE_STRIP, TRIANGLE_FAN

export function readModelStats(document: Document): ModelStats {
  const root = document.getRoot();
  let triangles = 0;
  let vertices = 0;
  for (const mesh of root.listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      if (TRIANGLE_MODES.has(primitive.getMode())) triangles += getGLPrimitiveCount(primitive);
      vertices += primitive.getAttribute('POSITION')?.getCount() ?? 0;
    }
  }
  const scene = root.getDefaultScene() ?? root.listScenes()[0];
  const box = scene ? sceneBounds(scene) : { min: [0, 0, 0], max: [0, 0, 0] };
  const finite = (v: number[]) => v.map((n) => (Number.isFinite(n) ? round(n) : 0)) as [number, number, number];
  return {
    triangles,
    vertices,
    meshes: root.listMeshes().length,
    materials: root.listMaterials().length,
    textures: root.listTextures().map((texture) => {
      const image = texture.getImage();
      const size = texture.getSize() ?? (image ? ImageUtils.getSize(image, texture.getMimeType()) : null);
      return {
        name: texture.getName() || texture.getURI(),
        mimeType: texture.getMimeType(),
        width: size?.[0] ?? 0,
        height: size?.[1] ?? 0,
        bytes: image?.byteLength ?? 0,
      };
    }),
    animations: root.listAnimations().map((animation, index) => animation.getName() || `animation_${index}`),
    skinned: root.listSkins().length > 0,
    bounds: { min: finite(box.min), max: finite(box.max) },
  };
}

type Bounds = { min: number[]; max: number[] };

/** Component type → the integer that decodes to 1.0 when normalized. */
const NORMALIZED_MAX: Record<number, number> = { 5121: 255, 5123: 65535, 5120: 127, 5122: 32767 }; // UNSIGNED_BYTE, UNSIGNED_SHORT, BYTE, SHORT

/**
 * World-space bounds of the vertices a scene draws: what getBounds() from @gltf-transform/functions
 * computes, read straight from the arrays instead of element by element (a tenth of the time).
 */
export function sceneBounds(scene: Scene): Bounds {
  const bounds = { min: [Infinity, Infinity, Infinity], max: [-Infinity, -Infinity, -Infinity] };
  for (const child of scene.listChildren()) {
    child.traverse((node) => {
      const mesh = node.getMesh();
      if (!mesh) return;
      const meshBounds = worldMeshBounds(mesh, node.getWorldMatrix());
      if (!meshBounds.min.every(Number.isFinite) || !meshBounds.max.every(Number.isFinite)) return;
      for (let c = 0; c < 3; c++) {
        bounds.min[c] = Math.min(bounds.min[c]!, meshBounds.min[c]!);
        bounds.max[c] = Math.max(bounds.max[c]!, meshBounds.max[c]!);
      }
    });
  }
  return bounds;
}

/** Bounds of the vertices the primitives' indices reach (each once), through `m` (gl-matrix's transformMat4). */
function worldMeshBounds(mesh: Mesh, m: mat4): Bounds {
  let minX = Infinity,
    minY = Infinity,
    minZ = Infinity,
    maxX = -Infinity,
    maxY = -Infinity,
    maxZ = -Infinity;
  for (const primitive of mesh.listPrimitives()) {
    const position = primitive.getAttribute('POSITION');
    const array = position?.getArray();
    if (!position || !array) continue;
    const size = position.getElementSize();
    // Normalized integers decode as MathUtils.decodeNormalizedInt does: v / max, signed ones clamped at -1.
    const divisor = position.getNormalized() ? (NORMALIZED_MAX[position.getComponentType()] ?? 1) : 1;
    const lowest = divisor === 127 || divisor === 32767 ? -1 : -Infinity;
    const indices = primitive.getIndices()?.getArray() ?? null;
    const count = indices ? indices.length : position.getCount();
    const seen = new Uint8Array(position.getCount());
    for (let i = 0; i < count; i++) {
      const v = indices ? indices[i]! : i;
      if (seen[v] === 1) continue;
      seen[v] = 1;
      const o = v * size;
      const x = Math.max(array[o]! / divisor, lowest),
        y = Math.max(array[o + 1]! / divisor, lowest),
        z = Math.max(array[o + 2]! / divisor, lowest);
      const w = m[3] * x + m[7] * y + m[11] * z + m[15] || 1;
      const wx = (m[0] * x + m[4] * y + m[8] * z + m[12]) / w;
      const wy = (m[1] * x + m[5] * y + m[9] * z + m[13]) / w;
      const wz = (m[2] * x + m[6] * y + m[10] * z + m[14]) / w;
      minX = Math.min(minX, wx);
      minY = Math.min(minY, wy);
      minZ = Math.min(minZ, wz);
      maxX = Math.max(maxX, wx);
      maxY = Math.max(maxY, wy);
      maxZ = Math.max(maxZ, wz);
    }
  }
  return { min: [minX, minY, minZ], max: [maxX, maxY, maxZ] };
}

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
