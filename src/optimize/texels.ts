import sharp from 'sharp';

/**
 * Pixel-level helpers on raw interleaved 8-bit images: which texels a model's UVs reach, and a
 * pull-push fill of the rest. AI texture atlases leave 40–55 % of their texels unused; filling them
 * smoothly changes no rendered pixel and cuts the encoded size by about a third.
 */

export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Triangles in UV space, as flat [u0, v0, u1, v1, u2, v2, …] per list. */
export type UvTriangles = Float32Array;

/**
 * Marks every texel whose centre lies in a UV triangle, plus the texel under each triangle's
 * centroid (slivers), then grows the marked area by `padding` texels so bilinear filtering and the
 * first mip levels only ever sample real texels.
 */
export function rasterizeUvMask(triangles: readonly UvTriangles[], width: number, height: number, padding: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const list of triangles) {
    for (let i = 0; i + 5 < list.length; i += 6) {
      const x0 = list[i]! * width, y0 = list[i + 1]! * height;
      const x1 = list[i + 2]! * width, y1 = list[i + 3]! * height;
      const x2 = list[i + 4]! * width, y2 = list[i + 5]! * height;
      const cx = Math.floor((x0 + x1 + x2) / 3), cy = Math.floor((y0 + y1 + y2) / 3);
      if (cx >= 0 && cx < width && cy >= 0 && cy < height) mask[cy * width + cx] = 1;
      const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5));
      const maxY = Math.min(height - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
      for (let y = minY; y <= maxY; y++) {
        // The span of texel centres where the row's centre line crosses the triangle.
        const py = y + 0.5;
        span.left = Infinity;
        span.right = -Infinity;
        crossEdge(py, x0, y0, x1, y1);
        crossEdge(py, x1, y1, x2, y2);
        crossEdge(py, x2, y2, x0, y0);
        const from = Math.max(0, Math.ceil(span.left - 0.5)), to = Math.min(width - 1, Math.floor(span.right - 0.5));
        if (from <= to) mask.fill(1, y * width + from, y * width + to + 1);
      }
    }
  }
  return padding > 0 ? dilate(mask, width, height, padding) : mask;
}

const span = { left: Infinity, right: -Infinity };

function crossEdge(py: number, ax: number, ay: number, bx: number, by: number): void {
  if ((py < ay && py < by) || (py > ay && py > by)) return;
  if (ay === by) {
    span.left = Math.min(span.left, ax, bx);
    span.right = Math.max(span.right, ax, bx);
    return;
  }
  const x = ax + ((py - ay) / (by - ay)) * (bx - ax);
  if (x < span.left) span.left = x;
  if (x > span.right) span.right = x;
}

/** Square max filter, separable: rows, then columns (walked row by row to stay cache-friendly). */
function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let last = -radius - 1;
    for (let x = 0; x < width; x++) {
      if (mask[row + x]) last = x;
      if (x - last <= radius) rows[row + x] = 1;
    }
    last = width + radius + 1;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[row + x]) last = x;
      if (last - x <= radius) rows[row + x] = 1;
    }
  }
  const out = new Uint8Array(mask.length);
  const lastSeen = new Int32Array(width).fill(-radius - 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (rows[row + x]) lastSeen[x] = y;
      if (y - lastSeen[x]! <= radius) out[row + x] = 1;
    }
  }
  lastSeen.fill(height + radius + 1);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (rows[row + x]) lastSeen[x] = y;
      if (lastSeen[x]! - y <= radius) out[row + x] = 1;
    }
  }
  return out;
}

export function coverage(mask: Uint8Array): number {
  let used = 0;
  for (let i = 0; i < mask.length; i++) used += mask[i]!;
  return mask.length === 0 ? 0 : used / mask.length;
}

/** The fill is computed at 1/FILL_SCALE of the texture size: smooth, cheap, and all it needs to be. */
const FILL_SCALE = 8;

/**
 * Replaces every texel outside `mask` with a smooth extrapolation of the texels inside it: the
 * covered texels are averaged into FILL_SCALE² blocks (every other texel is enough for a seed),
 * pull-push fills the empty blocks of that small image, and libvips scales it back up and lays
 * the original over it with the mask as alpha, so the full-size work stays native and off the
 * main thread. Colour channels only; an alpha channel is kept as it is.
 */
export async function fillUnusedTexels(image: RawImage, mask: Uint8Array): Promise<RawImage> {
  const { width, height, channels } = image;
  const cc = channels >= 3 ? 3 : 1;
  const sw = Math.ceil(width / FILL_SCALE), sh = Math.ceil(height / FILL_SCALE);
  const colors = new Float32Array(sw * sh * cc);
  const counts = new Float32Array(sw * sh);
  const data = image.data;
  for (let y = 0; y < height; y += 2) {
    const blockRow = Math.floor(y / FILL_SCALE) * sw;
    const row = y * width;
    for (let x = 0; x < width; x += 2) {
      if (mask[row + x] === 0) continue;
      const b = blockRow + Math.floor(x / FILL_SCALE);
      const o = (row + x) * channels;
      counts[b]! += 1;
      for (let c = 0; c < cc; c++) colors[b * cc + c]! += data[o + c]!;
    }
  }
  const samplesPerBlock = (FILL_SCALE / 2) * (FILL_SCALE / 2);
  for (let b = 0; b < counts.length; b++) {
    const n = counts[b]!;
    if (n > 0) for (let c = 0; c < cc; c++) colors[b * cc + c]! /= n;
    counts[b] = Math.min(1, n / samplesPerBlock);
  }
  pullPush(colors, counts, sw, sh, cc);
  const small = Buffer.alloc(colors.length);
  for (let i = 0; i < colors.length; i++) small[i] = colors[i]! + 0.5;

  const alpha = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) alpha[i] = mask[i] === 0 ? 0 : 255;
  const colour = cc === channels ? sharp(data, { raw: rawInfo(image) }) : sharp(data, { raw: rawInfo(image) }).removeAlpha();
  const overlay = await colour.joinChannel(Buffer.from(alpha.buffer), { raw: { width, height, channels: 1 } }).raw().toBuffer();
  const filled = await sharp(small, { raw: { width: sw, height: sh, channels: cc as 1 | 3 } })
    .resize(sw * FILL_SCALE, sh * FILL_SCALE, { kernel: 'nearest' })
    .extract({ left: 0, top: 0, width, height })
    .composite([{ input: overlay, raw: { width, height, channels: (cc + 1) as 2 | 4 }, blend: 'over' }])
    .removeAlpha()
    .raw()
    .toBuffer();
  if (cc === channels) return { data: new Uint8Array(filled.buffer, filled.byteOffset, filled.byteLength), width, height, channels };
  // Put the original alpha channel back.
  const out = new Uint8Array(data);
  for (let i = 0; i < mask.length; i++) for (let c = 0; c < cc; c++) out[i * channels + c] = filled[i * cc + c]!;
  return { data: out, width, height, channels };
}

function rawInfo(image: RawImage): { width: number; height: number; channels: 1 | 2 | 3 | 4 } {
  return { width: image.width, height: image.height, channels: image.channels as 1 | 2 | 3 | 4 };
}

/**
 * In place, on a small image: texels blend toward the bilinear upsample of the next coarser level
 * by how little of them is covered (weight 1 keeps the texel, 0 takes the coarse value).
 */
function pullPush(colors: Float32Array, weights: Float32Array, width: number, height: number, channels: number): void {
  if (width <= 1 && height <= 1) return;
  const cw = Math.max(1, width >> 1), ch = Math.max(1, height >> 1);
  const coarse = new Float32Array(cw * ch * channels);
  const coarseWeights = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      let total = 0;
      const o = y * cw + x;
      for (let dy = 0; dy < 2; dy++) {
        for (let dx = 0; dx < 2; dx++) {
          const i = Math.min(height - 1, 2 * y + dy) * width + Math.min(width - 1, 2 * x + dx);
          const w = weights[i]!;
          total += w;
          for (let c = 0; c < channels; c++) coarse[o * channels + c] = coarse[o * channels + c]! + colors[i * channels + c]! * w;
        }
      }
      if (total > 0) for (let c = 0; c < channels; c++) coarse[o * channels + c] = coarse[o * channels + c]! / total;
      coarseWeights[o] = Math.min(1, total);
    }
  }
  pullPush(coarse, coarseWeights, cw, ch, channels);
  for (let y = 0; y < height; y++) {
    const fy = Math.min(ch - 1, Math.max(0, (y + 0.5) / 2 - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(ch - 1, y0 + 1), ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = weights[i]!;
      if (w >= 1) continue;
      const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(cw - 1, x0 + 1), ax = fx - x0;
      for (let c = 0; c < channels; c++) {
        const top = coarse[(y0 * cw + x0) * channels + c]! * (1 - ax) + coarse[(y0 * cw + x1) * channels + c]! * ax;
        const bottom = coarse[(y1 * cw + x0) * channels + c]! * (1 - ax) + coarse[(y1 * cw + x1) * channels + c]! * ax;
        colors[i * channels + c] = colors[i * channels + c]! * w + (top * (1 - ay) + bottom * ay) * (1 - w);
      }
    }
  }
}

export interface TextureError {
  /** PSNR in dB over the texels the UVs reach (all texels without a mask); 100 when identical. */
  psnr: number;
  /** Mean angle in degrees between source and output normals (normal maps only). */
  normalAngleDeg?: number;
}

/**
 * Compares two same-sized images over `mask` (or everywhere), on the given channels. Every
 * `step`-th texel of every `step`-th row is read: at 2048² a step of 2 still samples a million texels.
 */
export function compareImages(source: RawImage, output: RawImage, mask: Uint8Array | null, channels: readonly number[], normalMap: boolean, step = 2): TextureError {
  const sc = source.channels, oc = output.channels;
  const use0 = channels.includes(0) && sc > 0 && oc > 0 ? 1 : 0;
  const use1 = channels.includes(1) && sc > 1 && oc > 1 ? 1 : 0;
  const use2 = channels.includes(2) && sc > 2 && oc > 2 ? 1 : 0;
  const perTexel = use0 + use1 + use2;
  const withAngles = normalMap && sc >= 3 && oc >= 3;
  const s = source.data, o = output.data;
  let squared = 0, samples = 0, angle = 0, normals = 0;
  for (let y = 0; y < source.height; y += step) {
    for (let x = 0; x < source.width; x += step) {
      const i = y * source.width + x;
      if (mask && mask[i] === 0) continue;
      const a = i * sc, b = i * oc;
      const d0 = (s[a]! - o[b]!) * use0, d1 = (s[a + 1]! - o[b + 1]!) * use1, d2 = (s[a + 2]! - o[b + 2]!) * use2;
      squared += d0 * d0 + d1 * d1 + d2 * d2;
      samples += perTexel;
      if (withAngles && (x & 3) === 0 && (y & 3) === 0) {
        const ax = s[a]! / 127.5 - 1, ay = s[a + 1]! / 127.5 - 1, az = s[a + 2]! / 127.5 - 1;
        const bx = o[b]! / 127.5 - 1, by = o[b + 1]! / 127.5 - 1, bz = o[b + 2]! / 127.5 - 1;
        const la = Math.sqrt(ax * ax + ay * ay + az * az), lb = Math.sqrt(bx * bx + by * by + bz * bz);
        if (la > 0 && lb > 0) {
          const cos = (ax * bx + ay * by + az * bz) / (la * lb);
          angle += Math.acos(cos > 1 ? 1 : cos < -1 ? -1 : cos);
          normals++;
        }
      }
    }
  }
  const mse = samples === 0 ? 0 : squared / samples;
  const psnr = mse === 0 ? 100 : Math.min(100, 10 * Math.log10((255 * 255) / mse));
  return normalMap ? { psnr, normalAngleDeg: normals === 0 ? 0 : (angle / normals) * (180 / Math.PI) } : { psnr };
}
