import { ImageUtils, type Document } from '@gltf-transform/core';
import { getBounds, getGLPrimitiveCount } from '@gltf-transform/functions';

export interface TextureStats {
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
  const box = scene ? getBounds(scene) : { min: [0, 0, 0], max: [0, 0, 0] };
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

function round(value: number): number {
  return Math.round(value * 1e5) / 1e5;
}
