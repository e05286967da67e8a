import type { TextureMap } from './glb/index.js';
import type { AssetSource, LoadAsset } from './resource.js';

/** Result files shared by the 3D resources: names, order and the formats the emulator only stubs. */

export const THUMBNAIL = 'preview.png';
/** File name undocumented. */
export const ALPHA_THUMBNAIL = 'preview_alpha.png';
export const MODEL_GLB = 'model.glb';

/** `model_urls` keys in Meshy's order (https://docs.meshy.ai/en/api/text-to-3d, https://docs.meshy.ai/en/api/remesh). */
const FORMAT_ORDER = ['glb', 'fbx', 'obj', 'mtl', 'usdz', 'blend', 'stl', '3mf'];

/**
 * `model_urls` files: exactly the formats asked for, a format not generated omitted (https://docs.meshy.ai/en/api/text-to-3d); MTL
 * (the OBJ's materials) only with the OBJ of a textured model.
 */
export function modelFiles(formats: readonly string[], textured: boolean): [string, string][] {
  const wanted = new Set<string>(formats);
  if (textured && wanted.has('obj')) wanted.add('mtl');
  return FORMAT_ORDER.filter((format) => wanted.has(format)).map((format) => [format, `model.${format}`]);
}

/** `texture_urls[0]` (https://docs.meshy.ai/en/api/text-to-3d): base colour, plus the PBR maps when asked for. */
export function textureFiles(maps: { pbr: boolean; emission: boolean }): [TextureMap, string][] {
  const files: [TextureMap, string][] = [['base_color', 'texture_0.png']];
  if (maps.pbr) files.push(['metallic', 'texture_0_metallic.png'], ['normal', 'texture_0_normal.png'], ['roughness', 'texture_0_roughness.png']);
  if (maps.emission) files.push(['emission', 'texture_0_emission.png']);
  return files;
}

/** Signed URLs of some files, keyed like the task object shows them. */
export function urlsOf(files: readonly (readonly [string, string])[], url: (file: string) => string): Record<string, string> {
  return Object.fromEntries(files.map(([key, file]) => [key, url(file)]));
}

/**
 * FBX, OBJ, USDZ, STL, 3MF and BLEND are not generated: their URLs work and serve a short note, so
 * clients that fetch every format still get a 200. Only GLBs and PNGs are real.
 */
export function placeholder(file: string): AssetSource {
  return source([file], async () => new TextEncoder().encode(`vite-plugin-meshy emulator: ${file} is a placeholder; only GLB files are generated models.\n`));
}

export function source(key: unknown[], produce: (load: LoadAsset) => Promise<Uint8Array>): AssetSource {
  return { cacheKey: JSON.stringify(key), produce };
}
