import { ImageUtils, Material, Primitive, TextureChannel, type Document, type Texture, type Transform } from '@gltf-transform/core';
import { EXTTextureAVIF, EXTTextureWebP } from '@gltf-transform/extensions';
import { createTransform, getTextureChannelMask, listTextureSlots } from '@gltf-transform/functions';
import sharp, { type Sharp } from 'sharp';
import { compareImages, coverage, fillUnusedTexels, rasterizeUvMask, type RawImage, type UvTriangles } from './texels.js';
import type { ResolvedOptimizeOptions } from './options.js';

export type TextureStepOptions = Pick<
  ResolvedOptimizeOptions,
  'textureFormat' | 'maxTextureSize' | 'textureQuality' | 'normalTextureQuality' | 'textureEffort' | 'fillUnusedTexels'
>;

/** What happened to one texture: plain data for `meta` and the report. */
export interface TextureReport {
  name: string;
  slots: string[];
  before: { mimeType: string; width: number; height: number; bytes: number };
  after: { mimeType: string; width: number; height: number; bytes: number };
  /** PSNR (dB) of the decoded output against the (resized) source, over the texels the UVs reach and the channels the material reads. */
  psnr: number | null;
  /** Normal maps: mean angular error in degrees. */
  normalAngleDeg?: number;
  /** Share of texels the UVs reach; null when unknown (tiling UVs, texture transforms…). */
  uvCoverage: number | null;
  /** True when the source was kept because re-encoding would have made it larger. */
  keptSource: boolean;
}

const ENCODABLE = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/avif']);
const EXTENSION_OF_MIME: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/avif': 'avif' };
/** Texels grown around the UV charts, at the output size: covers bilinear taps and the first mip levels. */
const CHART_PADDING = 4;
const REPEAT_WRAPS = new Set([10497, 33648]); // REPEAT, MIRRORED_REPEAT
/** PNGs smaller than this per texel are flat artwork, where lossless WebP is worth a try. */
const FLAT_ART_BYTES_PER_TEXEL = 0.25;

/** Texture work in flight between `startTextures` and `finishTextures`. */
export interface TextureJob {
  pending: Promise<TextureReport[]> | null;
}

/**
 * Resizes and re-encodes every texture (WebP by default), filling texels no UV reaches first.
 * A texture is never replaced by a larger one unless a resize was asked for.
 *
 * The work is started here and awaited by `finishTextures`, so that libvips encodes on the thread
 * pool while the geometry steps in between run on the main thread. The UVs are read right away:
 * later steps (weld, simplify) leave the UV charts where they are.
 */
export function startTextures(options: TextureStepOptions, job: TextureJob): Transform {
  return createTransform('meshy:textures-start', (document: Document) => {
    const masks = new Map<string, { mask: Uint8Array; coverage: number }>();
    const textures = document.getRoot().listTextures();
    const uvs = textures.map((texture) => (options.fillUnusedTexels ? uvTrianglesOf(document, texture) : null));
    job.pending = Promise.all(textures.map((texture, index) => optimizeTexture(texture, uvs[index] ?? null, options, masks))).then((results) =>
      results.filter((r): r is TextureReport => r !== null),
    );
    // Keep an early failure from surfacing as an unhandled rejection before it is awaited.
    job.pending.catch(() => undefined);
  });
}

export function finishTextures(job: TextureJob, report: TextureReport[]): Transform {
  return createTransform('meshy:textures', async (document: Document) => {
    report.push(...((await job.pending) ?? []));
    const mimeTypes = new Set(document.getRoot().listTextures().map((texture) => texture.getMimeType()));
    // Without the extension marked required, loaders (and the validator) reject WebP/AVIF images.
    if (mimeTypes.has('image/webp')) document.createExtension(EXTTextureWebP).setRequired(true);
    if (mimeTypes.has('image/avif')) document.createExtension(EXTTextureAVIF).setRequired(true);
  });
}

type UvSnapshot = { triangles: UvTriangles[]; wraps: boolean; key: string };

async function optimizeTexture(
  texture: Texture,
  uvs: UvSnapshot | null,
  options: TextureStepOptions,
  masks: Map<string, { mask: Uint8Array; coverage: number }>,
): Promise<TextureReport | null> {
  const source = texture.getImage();
  const sourceMime = texture.getMimeType();
  if (!source || !ENCODABLE.has(sourceMime)) return null;
  const slots = listTextureSlots(texture);
  const name = texture.getName() || texture.getURI() || slots.join('+');
  const size = ImageUtils.getSize(source, sourceMime);
  if (!size) return null;
  const [width, height] = size;
  const before = { mimeType: sourceMime, width, height, bytes: source.byteLength };
  const needsResize = Math.max(width, height) > options.maxTextureSize;
  const targetMime = options.textureFormat === 'keep' ? sourceMime : `image/${options.textureFormat}`;
  const unchanged = { name, slots, before, after: before, psnr: null, uvCoverage: null, keptSource: true };
  if (targetMime === sourceMime && !needsResize && !options.fillUnusedTexels) return unchanged;

  // Decoding starts on libvips' threads first; the UV mask is rasterized meanwhile on this one.
  const channelMask = getTextureChannelMask(texture);
  let pipeline = sharp(source);
  if (needsResize) pipeline = pipeline.resize({ width: options.maxTextureSize, height: options.maxTextureSize, fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
  if ((channelMask & TextureChannel.A) === 0) pipeline = pipeline.removeAlpha();
  const decoding = pipeline.raw().toBuffer({ resolveWithObject: true });
  const scale = needsResize ? options.maxTextureSize / Math.max(width, height) : 1;
  const expected = [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))] as const;
  const maskFor = (w: number, h: number) => {
    if (!uvs) return null;
    // Textures of one material usually share their UVs and size: rasterize once.
    const key = `${uvs.key} ${w}x${h} ${uvs.wraps}`;
    let cached = masks.get(key);
    if (!cached) {
      const grown = rasterizeUvMask(uvs.triangles, w, h, CHART_PADDING);
      if (uvs.wraps) keepBorder(grown, w, h, CHART_PADDING);
      cached = { mask: grown, coverage: round(coverage(grown)) };
      masks.set(key, cached);
    }
    return cached;
  };
  let masked = maskFor(expected[0], expected[1]);
  const decoded = await decoding;
  const resized: RawImage = { data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels };
  if (resized.width !== expected[0] || resized.height !== expected[1]) masked = maskFor(resized.width, resized.height);
  const mask = masked?.mask ?? null;
  const uvCoverage = masked?.coverage ?? null;

  const usedChannels = [TextureChannel.R, TextureChannel.G, TextureChannel.B, TextureChannel.A]
    .map((bit, index) => ((channelMask & bit) !== 0 || channelMask === 0 ? index : -1))
    .filter((index) => index >= 0 && index < resized.channels);
  const prepared = mask ? await fillUnusedTexels(resized, mask) : resized;
  // Channels no material reads (e.g. red of a metallicRoughness map) are encoded as 0: free bytes.
  const unusedChannels = usedChannels.length === 0 ? [] : [0, 1, 2].filter((c) => c < prepared.channels && !usedChannels.includes(c));

  const isNormalMap = slots.includes('normalTexture');
  const quality = isNormalMap ? options.normalTextureQuality : options.textureQuality;
  let encoded = await encode(prepared, unusedChannels, targetMime, quality, options.textureEffort, isNormalMap);
  let outMime = targetMime;
  if (targetMime === 'image/webp' && sourceMime === 'image/png' && source.byteLength / (width * height) < FLAT_ART_BYTES_PER_TEXEL) {
    // Flat-coloured artwork: lossless WebP of the unfilled image is often smaller than lossy, and exact.
    const lossless = await encodeRaw(resized, unusedChannels).webp({ lossless: true, effort: 4 }).toBuffer();
    if (lossless.byteLength < encoded.byteLength) encoded = lossless;
  }
  if (encoded.byteLength >= source.byteLength) {
    if (!needsResize) return unchanged;
    if (targetMime !== sourceMime) {
      const fallback = await encode(prepared, unusedChannels, sourceMime, quality, options.textureEffort, isNormalMap);
      if (fallback.byteLength < encoded.byteLength) [encoded, outMime] = [fallback, sourceMime];
    }
  }

  const roundTrip = await sharp(encoded).raw().toBuffer({ resolveWithObject: true });
  const error = compareImages(
    resized,
    { data: new Uint8Array(roundTrip.data.buffer, roundTrip.data.byteOffset, roundTrip.data.byteLength), width: roundTrip.info.width, height: roundTrip.info.height, channels: roundTrip.info.channels },
    mask,
    usedChannels.filter((c) => c < 3),
    isNormalMap,
  );

  texture.setImage(encoded).setMimeType(outMime);
  const uri = texture.getURI();
  if (uri) texture.setURI(uri.replace(/\.[^./]*$/, `.${EXTENSION_OF_MIME[outMime]}`));
  return {
    name,
    slots,
    before,
    after: { mimeType: outMime, width: resized.width, height: resized.height, bytes: encoded.byteLength },
    psnr: round(error.psnr),
    ...(error.normalAngleDeg === undefined ? {} : { normalAngleDeg: round(error.normalAngleDeg) }),
    uvCoverage,
    keptSource: false,
  };
}

/** `effort` is on WebP's 0–6 scale; AVIF's 0–9 and PNG's 1–10 are scaled from it. */
function encode(image: RawImage, unusedChannels: number[], mimeType: string, quality: number, effort: number, isNormalMap: boolean): Promise<Buffer> {
  const input = encodeRaw(image, unusedChannels);
  switch (mimeType) {
    case 'image/webp':
      return input.webp({ quality, effort }).toBuffer();
    case 'image/avif':
      return input.avif({ quality, effort: Math.round((effort * 9) / 6), chromaSubsampling: isNormalMap ? '4:4:4' : '4:2:0' }).toBuffer();
    case 'image/jpeg':
      return input.jpeg({ quality, mozjpeg: true, chromaSubsampling: isNormalMap ? '4:4:4' : '4:2:0' }).toBuffer();
    default:
      return input.png({ compressionLevel: 9, effort: Math.max(1, Math.round((effort * 10) / 6)) }).toBuffer();
  }
}

function encodeRaw(image: RawImage, zeroChannels: number[]): Sharp {
  const input = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 } });
  if (zeroChannels.length === 0) return input;
  const multiply = Array.from({ length: image.channels }, (_, c) => (zeroChannels.includes(c) ? 0 : 1));
  return input.linear(multiply, new Array<number>(image.channels).fill(0));
}

/** Repeat-wrapped textures are sampled across their edges: keep border texels as they are. */
function keepBorder(mask: Uint8Array, width: number, height: number, band: number): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x < band || y < band || x >= width - band || y >= height - band) mask[y * width + x] = 1;
    }
  }
}

/**
 * The UV triangles of every primitive that samples `texture`, or null when the texels it reaches
 * cannot be known for sure (texture transforms, tiling UVs, quantized or morphed UVs, points/lines,
 * use outside a plain material slot). Null means: fill nothing.
 */
export function uvTrianglesOf(document: Document, texture: Texture): UvSnapshot | null {
  const graph = document.getGraph();
  const triangles: UvTriangles[] = [];
  const keyParts: string[] = [];
  const allPrimitives = document.getRoot().listMeshes().flatMap((mesh) => mesh.listPrimitives());
  let wraps = false;
  for (const edge of graph.listParentEdges(texture)) {
    const material = edge.getParent();
    if (!(material instanceof Material)) {
      if (edge.getParent().propertyType === 'Root') continue;
      return null;
    }
    const info = graph.listChildEdges(material).find((e) => e.getName() === `${edge.getName()}Info`)?.getChild();
    if (!info || info.propertyType !== 'TextureInfo') return null;
    const textureInfo = info as import('@gltf-transform/core').TextureInfo;
    if (textureInfo.listExtensions().length > 0) return null;
    if (REPEAT_WRAPS.has(textureInfo.getWrapS()) || REPEAT_WRAPS.has(textureInfo.getWrapT())) wraps = true;
    for (const parent of material.listParents()) {
      if (!(parent instanceof Primitive)) continue;
      const list = primitiveUvTriangles(parent, textureInfo.getTexCoord());
      if (!list) return null;
      triangles.push(list);
      keyParts.push(`${allPrimitives.indexOf(parent)}:${textureInfo.getTexCoord()}`);
    }
  }
  return triangles.length > 0 ? { triangles, wraps, key: [...new Set(keyParts)].sort().join(',') } : null;
}

function primitiveUvTriangles(primitive: Primitive, texCoord: number): UvTriangles | null {
  const semantic = `TEXCOORD_${texCoord}`;
  const uv = primitive.getAttribute(semantic);
  if (primitive.getMode() !== Primitive.Mode.TRIANGLES || !uv || uv.getNormalized()) return null;
  if (primitive.listTargets().some((target) => target.getAttribute(semantic))) return null;
  const array = uv.getArray();
  if (!(array instanceof Float32Array)) return null;
  for (let i = 0; i < array.length; i++) if (array[i]! < -0.001 || array[i]! > 1.001) return null;
  const indices = primitive.getIndices()?.getArray();
  const count = indices ? indices.length : uv.getCount();
  const out = new Float32Array((count - (count % 3)) * 2);
  for (let i = 0; i < out.length / 2; i++) {
    const v = indices ? indices[i]! : i;
    out[i * 2] = array[v * 2]!;
    out[i * 2 + 1] = array[v * 2 + 1]!;
  }
  return out;
}

function round(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 100) / 100 : value;
}
