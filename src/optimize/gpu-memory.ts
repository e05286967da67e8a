/**
 * Estimated video memory of a model's textures as a GPU holds them, with a full mip chain. Plain
 * arithmetic on the sizes and formats `meta` already carries: no image is read, nothing heavy loads
 * (the cache-hit path uses it).
 *
 * Assumptions (docs/gpu-textures.md):
 * - PNG, JPEG, WebP and AVIF are decoded and uploaded as RGBA8: 4 bytes per texel.
 * - KTX2 (Basis Universal ETC1S or UASTC) is transcoded to a 4×4-block format of 16 bytes per block,
 *   1 byte per texel: BC7 on desktop, ASTC 4×4 on recent mobile (what three.js' KTX2Loader picks when
 *   the GPU offers them). On GPUs with only ETC1/ETC2 or BC1, opaque ETC1S takes half of that.
 */

interface TextureSize {
  mimeType: string;
  width: number;
  height: number;
}

const RGBA8_BYTES_PER_TEXEL = 4;
const BLOCK_BYTES = 16;

/** Bytes of one texture with every mip level down to 1×1. */
export function textureGpuBytes({ mimeType, width, height }: TextureSize): number {
  if (width <= 0 || height <= 0) return 0;
  const blockCompressed = mimeType === 'image/ktx2';
  let bytes = 0;
  for (let w = width, h = height; ; w = Math.max(1, w >> 1), h = Math.max(1, h >> 1)) {
    bytes += blockCompressed ? Math.ceil(w / 4) * Math.ceil(h / 4) * BLOCK_BYTES : w * h * RGBA8_BYTES_PER_TEXEL;
    if (w === 1 && h === 1) break;
  }
  return bytes;
}

/** Sum over a model's textures. */
export function gpuBytes(textures: readonly TextureSize[]): number {
  return textures.reduce((sum, texture) => sum + textureGpuBytes(texture), 0);
}
