import type { Document } from '@gltf-transform/core';
import type { MeshData } from './shape.js';
import { encodePng } from './textures.js';
import { renderThumbnail } from './thumbnail.js';

/** A thumbnail of any document's meshes (uploads, remeshed or retextured results), in one colour. */
export async function renderDocumentThumbnail(document: Document, colour: readonly number[], size: number, transparent = false): Promise<Uint8Array> {
  return encodePng(renderThumbnail(mergedMesh(document), colour, size, transparent));
}

/** Every triangle primitive's positions and indices in one mesh (node transforms ignored), with fresh normals. */
function mergedMesh(document: Document): MeshData {
  const positions: number[] = [];
  const indices: number[] = [];
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      const position = primitive.getAttribute('POSITION');
      if (!position || primitive.getMode() !== 4) continue;
      const base = positions.length / 3;
      for (let i = 0; i < position.getCount(); i++) positions.push(...position.getElement(i, [0, 0, 0]));
      const own = primitive.getIndices();
      const count = own ? own.getCount() : position.getCount();
      for (let i = 0; i < count; i++) indices.push(base + (own ? own.getScalar(i) : i));
    }
  }
  const positionArray = Float32Array.from(positions);
  const indexArray = Uint32Array.from(indices);
  return {
    positions: positionArray,
    normals: vertexNormals(positionArray, indexArray),
    tangents: new Float32Array(),
    uvs: new Float32Array(),
    indices: indexArray,
    triangleCount: indices.length / 3,
  };
}

function vertexNormals(positions: Float32Array, indices: Uint32Array): Float32Array {
  const normals = new Float32Array(positions.length);
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t]! * 3, indices[t + 1]! * 3, indices[t + 2]! * 3];
    const e1 = [positions[b]! - positions[a]!, positions[b + 1]! - positions[a + 1]!, positions[b + 2]! - positions[a + 2]!];
    const e2 = [positions[c]! - positions[a]!, positions[c + 1]! - positions[a + 1]!, positions[c + 2]! - positions[a + 2]!];
    const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
    for (const corner of [a, b, c]) for (let k = 0; k < 3; k++) normals[corner + k] = normals[corner + k]! + n[k]!;
  }
  for (let v = 0; v < normals.length; v += 3) {
    const length = Math.hypot(normals[v]!, normals[v + 1]!, normals[v + 2]!) || 1;
    for (let k = 0; k < 3; k++) normals[v + k] = normals[v + k]! / length;
  }
  return normals;
}
