/**
 * One quality figure for every optimizer's output, measured the same way for all: each texture
 * slot's output is decoded, scaled back to the source's size and compared with the source over the
 * texels the source's UVs reach (PSNR over the channels the material reads; mean angular error for
 * normal maps). KTX2 is decoded through basisu's BC7 transcode. Geometry: a symmetric nearest-vertex distance between source and output, relative
 * to the source's bounding-box diagonal.
 */
import { type Document, type Texture, TextureChannel } from '@gltf-transform/core';
import { getTextureChannelMask, listTextureSlots } from '@gltf-transform/functions';
import sharp from 'sharp';
import { decodeKtx2 } from '../src/optimize/basisu.js';
import { compareImages, type RawImage, rasterizeUvMask } from '../src/optimize/texels.js';
import { uvTrianglesOf } from '../src/optimize/textures.js';

export interface MeasuredQuality {
  /** slot → PSNR dB */
  psnr: Record<string, number>;
  psnrMin: number | null;
  normalAngleDeg: number | null;
  /** Symmetric mean nearest-vertex distance / bbox diagonal, in ‰. */
  geometryPermille: number;
}

function texturesBySlot(document: Document): Map<string, Texture> {
  const map = new Map<string, Texture>();
  for (const texture of document.getRoot().listTextures()) {
    for (const slot of listTextureSlots(texture)) if (!map.has(slot)) map.set(slot, texture);
  }
  return map;
}

async function decode(image: Uint8Array, mimeType: string, width?: number, height?: number): Promise<RawImage> {
  // KTX2: level 0 as a desktop GPU receives it (the BC7 transcode), decoded by basisu itself.
  const bytes = mimeType === 'image/ktx2' ? await decodeKtx2(image) : image;
  let pipeline = sharp(bytes).removeAlpha();
  if (width && height) pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: info.channels };
}

export async function measureQuality(source: Document, output: Document): Promise<MeasuredQuality> {
  const sourceTextures = texturesBySlot(source);
  const outputTextures = texturesBySlot(output);
  const psnr: Record<string, number> = {};
  let normalAngleDeg: number | null = null;
  for (const [slot, sourceTexture] of sourceTextures) {
    const outputTexture = outputTextures.get(slot);
    const sourceImage = sourceTexture.getImage();
    const outputImage = outputTexture?.getImage();
    if (!sourceImage || !outputImage) continue;
    let reference: RawImage, candidate: RawImage;
    try {
      reference = await decode(sourceImage, sourceTexture.getMimeType());
      candidate = await decode(outputImage, outputTexture!.getMimeType(), reference.width, reference.height);
    } catch {
      continue; // a format neither sharp nor basisu reads
    }
    const uvs = uvTrianglesOf(source, sourceTexture);
    const mask = uvs ? rasterizeUvMask(uvs.triangles, reference.width, reference.height, 1) : null;
    const channelMask = getTextureChannelMask(sourceTexture);
    const channels = [TextureChannel.R, TextureChannel.G, TextureChannel.B].flatMap((bit, c) => ((channelMask & bit) !== 0 ? [c] : []));
    const error = compareImages(reference, candidate, mask, channels.length ? channels : [0, 1, 2], slot === 'normalTexture');
    psnr[slot] = Math.round(error.psnr * 100) / 100;
    if (error.normalAngleDeg !== undefined) normalAngleDeg = Math.round(error.normalAngleDeg * 100) / 100;
  }
  const values = Object.values(psnr);
  return {
    psnr,
    psnrMin: values.length ? Math.min(...values) : null,
    normalAngleDeg,
    geometryPermille: Math.round(geometryDistance(source, output) * 1e5) / 100,
  };
}

/** World-space vertex positions of every mesh instance (node transforms applied), subsampled to ≤ 50k. */
function worldPositions(document: Document): Float32Array {
  const out: number[] = [];
  for (const node of document.getRoot().listNodes()) {
    const mesh = node.getMesh();
    if (!mesh) continue;
    const m = node.getWorldMatrix();
    for (const primitive of mesh.listPrimitives()) {
      const position = primitive.getAttribute('POSITION');
      if (!position) continue;
      const stride = Math.max(1, Math.floor(position.getCount() / 50_000));
      const v = [0, 0, 0];
      for (let i = 0; i < position.getCount(); i += stride) {
        position.getElement(i, v);
        const [x, y, z] = v as [number, number, number];
        out.push(m[0] * x + m[4] * y + m[8] * z + m[12], m[1] * x + m[5] * y + m[9] * z + m[13], m[2] * x + m[6] * y + m[10] * z + m[14]);
      }
    }
  }
  return Float32Array.from(out);
}

/** Mean of nearest-vertex distances both ways, relative to the source's diagonal (grid hash). */
function geometryDistance(source: Document, output: Document): number {
  const a = worldPositions(source),
    b = worldPositions(output);
  if (a.length === 0 || b.length === 0) return 0;
  const min = [Infinity, Infinity, Infinity],
    max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < a.length; i++) {
    min[i % 3] = Math.min(min[i % 3]!, a[i]!);
    max[i % 3] = Math.max(max[i % 3]!, a[i]!);
  }
  const diagonal = Math.hypot(max[0]! - min[0]!, max[1]! - min[1]!, max[2]! - min[2]!) || 1;
  return (meanNearest(a, b, diagonal) + meanNearest(b, a, diagonal)) / 2 / diagonal;
}

function meanNearest(from: Float32Array, to: Float32Array, diagonal: number): number {
  const cell = diagonal / 64;
  const grid = new Map<string, number[]>();
  const key = (x: number, y: number, z: number) => `${Math.floor(x / cell)},${Math.floor(y / cell)},${Math.floor(z / cell)}`;
  for (let i = 0; i < to.length; i += 3) {
    const k = key(to[i]!, to[i + 1]!, to[i + 2]!);
    (grid.get(k) ?? grid.set(k, []).get(k)!).push(i);
  }
  let total = 0;
  for (let i = 0; i < from.length; i += 3) {
    const x = from[i]!,
      y = from[i + 1]!,
      z = from[i + 2]!;
    const cx = Math.floor(x / cell),
      cy = Math.floor(y / cell),
      cz = Math.floor(z / cell);
    let best = Infinity;
    for (let r = 1; r <= 8 && best === Infinity; r *= 2) {
      for (let dx = -r; dx <= r; dx++)
        for (let dy = -r; dy <= r; dy++)
          for (let dz = -r; dz <= r; dz++) {
            for (const j of grid.get(`${cx + dx},${cy + dy},${cz + dz}`) ?? []) {
              best = Math.min(best, Math.hypot(to[j]! - x, to[j + 1]! - y, to[j + 2]! - z));
            }
          }
    }
    total += best === Infinity ? cell * 8 : best;
  }
  return total / (from.length / 3);
}
