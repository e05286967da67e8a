import { type Document, getBounds } from '@gltf-transform/core';
import { prune, simplify, weld } from '@gltf-transform/functions';
import { MeshoptSimplifier } from 'meshoptimizer';
import { readGlb, writeGlb } from './io.js';

/** What remesh does to a model (https://docs.meshy.ai/en/api/remesh): fewer triangles, optionally resized and re-origined. */
export interface RemeshRequest {
  targetTriangles: number;
  /** Metres; 0 = keep. */
  resizeHeight: number;
  resizeLongestSide: number;
  originAt: 'bottom' | 'center' | '';
  /** Only convert: no simplification, no resize. */
  convertOnly: boolean;
}

/**
 * Really remeshes: welds, then lets meshoptimizer's simplifier remove triangles until about
 * `targetTriangles` are left (it never adds any). Materials and textures are kept (https://docs.meshy.ai/en/api/remesh, Nov 2025).
 * Quad topology is not emulated: the result is always triangles.
 */
export async function remeshGlb(bytes: Uint8Array, request: RemeshRequest): Promise<Uint8Array> {
  const document = await readGlb(bytes);
  if (!request.convertOnly) {
    const ratio = Math.min(1, request.targetTriangles / Math.max(1, countTriangles(document)));
    await MeshoptSimplifier.ready;
    await document.transform(weld(), ...(ratio < 1 ? [simplify({ simplifier: MeshoptSimplifier, ratio, error: 1 })] : []), prune());
    placeModel(document, request);
  }
  return writeGlb(document);
}

function countTriangles(document: Document): number {
  let triangles = 0;
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      if (primitive.getMode() !== 4) continue;
      triangles += Math.floor((primitive.getIndices()?.getCount() ?? primitive.getAttribute('POSITION')?.getCount() ?? 0) / 3);
    }
  }
  return triangles;
}

/** Resizes and moves the origin by wrapping the scene's content in one transformed root node. */
function placeModel(document: Document, request: RemeshRequest): void {
  if (!request.resizeHeight && !request.resizeLongestSide && !request.originAt) return;
  const scene = document.getRoot().getDefaultScene() ?? document.getRoot().listScenes()[0];
  if (!scene) return;
  const { min, max } = getBounds(scene);
  const size = [max[0] - min[0], max[1] - min[1], max[2] - min[2]];
  const scale = request.resizeHeight
    ? request.resizeHeight / (size[1] || 1)
    : request.resizeLongestSide
      ? request.resizeLongestSide / (Math.max(...size) || 1)
      : 1;
  const centre = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, (min[2] + max[2]) / 2];
  const anchor = request.originAt === 'bottom' ? [centre[0]!, min[1], centre[2]!] : request.originAt === 'center' ? centre : [0, 0, 0];
  const root = document
    .createNode('root')
    .setScale([scale, scale, scale])
    .setTranslation([-anchor[0]! * scale, -anchor[1]! * scale, -anchor[2]! * scale]);
  for (const child of scene.listChildren()) {
    scene.removeChild(child);
    root.addChild(child);
  }
  scene.addChild(root);
}
