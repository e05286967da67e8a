import { Document, NodeIO, type Texture } from '@gltf-transform/core';
import { hash32 } from './random.js';
import { buildMesh, shapeFor } from './shape.js';
import { encodePng, heightField, lookFor, packMetallicRoughness, paintMap, type TextureMap } from './textures.js';
import { renderThumbnail } from './thumbnail.js';

export { PROFILES, type Profile } from './profiles.js';
export type { TextureMap } from './textures.js';

export interface ModelRequest {
  seed: number;
  prompt: string;
  /** preview: untextured geometry; refine: the same geometry, UV-mapped and textured. */
  kind: 'preview' | 'refine';
  targetTriangles: number;
  /** Edge of the square textures in pixels (refine only). */
  textureSize: number;
  /** Adds metallic-roughness and normal maps (refine only). */
  pbr: boolean;
  /** What the textures look like; defaults to the prompt. */
  texturePrompt?: string;
}

const PREVIEW_GREY: [number, number, number, number] = [0.8, 0.8, 0.8, 1];

/**
 * A procedural stand-in for a Meshy result, as GLB bytes. Pure: the same request gives the same
 * bytes. The prompt chooses the silhouette, the seed its details, the texture prompt the colours.
 */
export async function generateModel(request: ModelRequest): Promise<Uint8Array> {
  const mesh = buildMesh(shapeFor(request.prompt, request.seed), request.targetTriangles);
  const document = new Document();
  document.getRoot().getAsset().generator = 'vite-plugin-meshy emulator';
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC2' | 'VEC3' | 'VEC4' | 'SCALAR', array: Float32Array | Uint16Array | Uint32Array) =>
    document.createAccessor().setType(type).setArray(array).setBuffer(buffer);

  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', mesh.positions))
    .setAttribute('NORMAL', accessor('VEC3', mesh.normals))
    .setIndices(accessor('SCALAR', mesh.indices));
  const material = document.createMaterial('material').setMetallicFactor(0).setRoughnessFactor(0.9);

  if (request.kind === 'preview') {
    material.setBaseColorFactor(PREVIEW_GREY);
  } else {
    primitive.setAttribute('TEXCOORD_0', accessor('VEC2', mesh.uvs));
    const maps = await generateTextureSet(request);
    const texture = (name: string, png: Uint8Array): Texture => document.createTexture(name).setImage(png).setMimeType('image/png');
    material.setBaseColorTexture(texture('base_color', maps.baseColor)).setRoughnessFactor(1);
    if (maps.metallicRoughness && maps.normal) {
      primitive.setAttribute('TANGENT', accessor('VEC4', mesh.tangents));
      material
        .setMetallicFactor(1)
        .setMetallicRoughnessTexture(texture('metallic_roughness', maps.metallicRoughness))
        .setNormalTexture(texture('normal', maps.normal));
    }
  }
  primitive.setMaterial(material);

  const node = document.createNode('model').setMesh(document.createMesh('model').addPrimitive(primitive));
  const scene = document.createScene('scene').addChild(node);
  document.getRoot().setDefaultScene(scene);
  return new NodeIO().writeBinary(document);
}

/** One texture of a refine result as a PNG, as served under `texture_urls` (https://docs.meshy.ai/en/api/text-to-3d). */
export async function generateTexture(request: Omit<ModelRequest, 'kind' | 'targetTriangles' | 'pbr'>, map: TextureMap): Promise<Uint8Array> {
  const { seed, look, height, size } = textureInputs(request);
  return encodePng(paintMap(map, height, size, look, seed));
}

/** The `thumbnail_url` PNG: a render of the model, grey for a preview, in its colours for a refine. */
export async function generateThumbnail(
  request: Pick<ModelRequest, 'seed' | 'prompt' | 'kind' | 'texturePrompt'>,
  size: number,
  transparent = false,
  yawDegrees?: number,
): Promise<Uint8Array> {
  const mesh = buildMesh(shapeFor(request.prompt, request.seed), 1500);
  const colour = request.kind === 'preview' ? PREVIEW_GREY.slice(0, 3).map((c) => c * 255) : lookFor(request.texturePrompt || request.prompt).main;
  return encodePng(renderThumbnail(mesh, colour, size, transparent, yawDegrees));
}

/** The textures of a textured result (base colour, and with `pbr` packed metallic-roughness and normal), as PNGs. */
export async function generateTextureSet(
  request: Pick<ModelRequest, 'seed' | 'prompt' | 'texturePrompt' | 'textureSize' | 'pbr'>,
): Promise<{ baseColor: Uint8Array; metallicRoughness?: Uint8Array; normal?: Uint8Array }> {
  const { seed, look, height, size } = textureInputs(request);
  const baseColor = encodePng(paintMap('base_color', height, size, look, seed));
  if (!request.pbr) return { baseColor: await baseColor };
  const packed = packMetallicRoughness(paintMap('metallic', height, size, look, seed), paintMap('roughness', height, size, look, seed));
  const [base, metallicRoughness, normal] = await Promise.all([baseColor, encodePng(packed), encodePng(paintMap('normal', height, size, look, seed))]);
  return { baseColor: base, metallicRoughness, normal };
}

function textureInputs(request: Pick<ModelRequest, 'seed' | 'prompt' | 'texturePrompt' | 'textureSize'>) {
  const text = request.texturePrompt || request.prompt;
  const seed = hash32('texture', request.seed, text);
  return { seed, look: lookFor(text), height: heightField(seed, request.textureSize), size: request.textureSize };
}
