import { type Document, getBounds, type Primitive } from '@gltf-transform/core';
import { prune } from '@gltf-transform/functions';
import { generateTextureSet } from './index.js';
import { readGlb, writeGlb } from './io.js';

/** New textures on an existing model (https://docs.meshy.ai/en/api/retexture): the style seeds them, the geometry stays. */
export interface RetextureRequest {
  seed: number;
  /** The style: text prompt, or what identifies the style image. */
  style: string;
  textureSize: number;
  pbr: boolean;
  /** `enable_original_uv`: keep the model's UVs; otherwise new ones are projected. */
  keepUvs: boolean;
}

export async function retextureGlb(bytes: Uint8Array, request: RetextureRequest): Promise<Uint8Array> {
  const document = await readGlb(bytes);
  const maps = await generateTextureSet({
    seed: request.seed,
    prompt: request.style,
    texturePrompt: request.style,
    textureSize: request.textureSize,
    pbr: request.pbr,
  });
  const texture = (name: string, png: Uint8Array) => document.createTexture(name).setImage(png).setMimeType('image/png');
  const material = document.createMaterial('retextured').setBaseColorTexture(texture('base_color', maps.baseColor)).setMetallicFactor(0).setRoughnessFactor(1);
  if (maps.metallicRoughness && maps.normal) {
    material
      .setMetallicFactor(1)
      .setMetallicRoughnessTexture(texture('metallic_roughness', maps.metallicRoughness))
      .setNormalTexture(texture('normal', maps.normal));
  }
  const scene = document.getRoot().getDefaultScene() ?? document.getRoot().listScenes()[0];
  const bounds = scene ? getBounds(scene) : { min: [-1, -1, -1], max: [1, 1, 1] };
  for (const mesh of document.getRoot().listMeshes()) {
    for (const primitive of mesh.listPrimitives()) {
      if (!request.keepUvs || !primitive.getAttribute('TEXCOORD_0')) projectUvs(document, primitive, bounds);
      primitive.setMaterial(material);
    }
  }
  await document.transform(prune());
  return writeGlb(document);
}

/** Spherical UVs around the model's centre: a new UV layout, as Meshy makes when it does not keep the original. */
function projectUvs(document: Document, primitive: Primitive, bounds: { min: number[]; max: number[] }): void {
  const position = primitive.getAttribute('POSITION');
  if (!position) return;
  const centre = [0, 1, 2].map((axis) => (bounds.min[axis]! + bounds.max[axis]!) / 2);
  const uvs = new Float32Array(position.getCount() * 2);
  const point = [0, 0, 0];
  for (let i = 0; i < position.getCount(); i++) {
    position.getElement(i, point);
    const [x, y, z] = [point[0]! - centre[0]!, point[1]! - centre[1]!, point[2]! - centre[2]!];
    uvs[i * 2] = 0.5 + Math.atan2(z, x) / (2 * Math.PI);
    uvs[i * 2 + 1] = 0.5 - Math.asin(Math.max(-1, Math.min(1, y / (Math.hypot(x, y, z) || 1)))) / Math.PI;
  }
  const buffer = document.getRoot().listBuffers()[0] ?? document.createBuffer();
  primitive.setAttribute('TEXCOORD_0', document.createAccessor().setType('VEC2').setArray(uvs).setBuffer(buffer));
}
