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
      const x0 = list[i]! * width,
        y0 = list[i + 1]! * height;
      const x1 = list[i + 2]! * width,
        y1 = list[i + 3]! * height;
      const x2 = list[i + 4]! * width,
        y2 = list[i + 5]! * height;
      const cx = Math.floor((x0 + x1 + x2) / 3),
        cy = Math.floor((y0 + y1 + y2) / 3);
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
        const from = Math.max(0, Math.ceil(span.left - 0.5)),
          to = Math.min(width - 1, Math.floor(span.right - 0.5));
        // Spans are a few texels long: a loop beats the call overhead of fill().
        for (let t = y * width + from, end = y * width + to; t <= end; t++) mask[t] = 1;
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

/**
 * Square max filter, separable: each run of a row is widened, then every row is ORed with its
 * neighbours up to `radius` away, four texels at a time when rows are whole 32-bit words.
 */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (mask[row + x] === 0) continue;
      const start = x;
      while (x < width && mask[row + x] !== 0) x++;
      rows.fill(1, row + Math.max(0, start - radius), row + Math.min(width, x + radius));
    }
  }
  const out = new Uint8Array(mask.length);
  const words = width % 4 === 0;
  const from = words ? new Uint32Array(rows.buffer) : rows;
  const to = words ? new Uint32Array(out.buffer) : out;
  const stride = words ? width / 4 : width;
  for (let y = 0; y < height; y++) {
    const target = y * stride;
    for (let source = Math.max(0, y - radius); source <= Math.min(height - 1, y + radius); source++) {
      const offset = source * stride;
      for (let w = 0; w < stride; w++) to[target + w] = to[target + w]! | from[offset + w]!;
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
 * covered texels are averaged into FILL_SCALE² blocks, pull-push fills the empty blocks of that
 * small image, and each unused texel takes its block's colour. Flat 8×8 blocks line up with the
 * encoders' transform blocks, so they cost almost nothing. Colour channels only; an alpha channel
 * is kept as it is. In place: returns `image`, whose texels inside `mask` are left as they were.
 */
export function fillUnusedTexels(image: RawImage, mask: Uint8Array): RawImage {
  const colours = image.channels >= 3 ? 3 : 1;
  const blocksX = Math.ceil(image.width / FILL_SCALE),
    blocksY = Math.ceil(image.height / FILL_SCALE);
  const { sums, weights } = blockAverages(image, mask, blocksX, blocksY, colours);
  pullPush(sums, weights, blocksX, blocksY, colours);
  const blockColours = new Uint8Array(sums.length);
  for (let i = 0; i < sums.length; i++) blockColours[i] = sums[i]! + 0.5;
  paintUnusedTexels(image, mask, blockColours, blocksX, colours);
  return image;
}

/**
 * Mean colour of the covered texels of each block (every other texel of every other row is
 * enough for a seed) and the block's weight: the share of those samples that are covered.
 */
function blockAverages(image: RawImage, mask: Uint8Array, blocksX: number, blocksY: number, colours: number): { sums: Float32Array; weights: Float32Array } {
  const { data, width, height, channels } = image;
  const sums = new Float32Array(blocksX * blocksY * colours);
  const weights = new Float32Array(blocksX * blocksY);
  for (let y = 0; y < height; y += 2) {
    const blockRow = Math.floor(y / FILL_SCALE) * blocksX;
    const row = y * width;
    for (let bx = 0; bx < blocksX; bx++) {
      let n = 0,
        c0 = 0,
        c1 = 0,
        c2 = 0;
      for (let x = bx * FILL_SCALE, end = Math.min(width, x + FILL_SCALE); x < end; x += 2) {
        if (mask[row + x] === 0) continue;
        const o = (row + x) * channels;
        n++;
        c0 += data[o]!;
        if (colours === 3) {
          c1 += data[o + 1]!;
          c2 += data[o + 2]!;
        }
      }
      if (n === 0) continue;
      const b = blockRow + bx;
      weights[b]! += n;
      sums[b * colours]! += c0;
      if (colours === 3) {
        sums[b * 3 + 1]! += c1;
        sums[b * 3 + 2]! += c2;
      }
    }
  }
  const samplesPerBlock = (FILL_SCALE / 2) * (FILL_SCALE / 2);
  for (let b = 0; b < weights.length; b++) {
    const n = weights[b]!;
    if (n > 0) for (let c = 0; c < colours; c++) sums[b * colours + c]! /= n;
    weights[b] = Math.min(1, n / samplesPerBlock);
  }
  return { sums, weights };
}

/**
 * Every texel outside `mask` takes the colour of its block. The mask is read four texels at a time
 * where rows are whole 32-bit words: runs of used texels are skipped.
 */
function paintUnusedTexels(image: RawImage, mask: Uint8Array, blockColours: Uint8Array, blocksX: number, colours: number): void {
  const { width, height, channels, data: out } = image;
  const group = width % 4 === 0 && mask.byteOffset % 4 === 0 ? 4 : 1;
  const groups = group === 4 ? new Uint32Array(mask.buffer, mask.byteOffset, mask.length / 4) : mask;
  const allUsed = group === 4 ? 0x01010101 : 1;
  for (let y = 0; y < height; y++) {
    const blockRow = Math.floor(y / FILL_SCALE) * blocksX;
    const row = y * width;
    for (let g = row / group, x = 0; x < width; g++, x += group) {
      if (groups[g] === allUsed) continue;
      const b = (blockRow + Math.floor(x / FILL_SCALE)) * colours;
      for (let t = row + x, end = t + group; t < end; t++) {
        if (mask[t] !== 0) continue;
        const o = t * channels;
        out[o] = blockColours[b]!;
        if (colours === 3) {
          out[o + 1] = blockColours[b + 1]!;
          out[o + 2] = blockColours[b + 2]!;
        }
      }
    }
  }
}

/**
 * In place, on a small image: texels blend toward the bilinear upsample of the next coarser level
 * by how little of them is covered (weight 1 keeps the texel, 0 takes the coarse value).
 */
function pullPush(colors: Float32Array, weights: Float32Array, width: number, height: number, channels: number): void {
  if (width <= 1 && height <= 1) return;
  const cw = Math.max(1, width >> 1),
    ch = Math.max(1, height >> 1);
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
    const y0 = Math.floor(fy),
      y1 = Math.min(ch - 1, y0 + 1),
      ay = fy - y0;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = weights[i]!;
      if (w >= 1) continue;
      const fx = Math.min(cw - 1, Math.max(0, (x + 0.5) / 2 - 0.5));
      const x0 = Math.floor(fx),
        x1 = Math.min(cw - 1, x0 + 1),
        ax = fx - x0;
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
 * `step`-th texel of every `step`-th row is read: at 2048² a step of 2 still samples a million
 * texels. Normal maps also get their mean angular error, on the texels of that grid whose
 * coordinates are multiples of 4.
 */
export function compareImages(
  source: RawImage,
  output: RawImage,
  mask: Uint8Array | null,
  channels: readonly number[],
  normalMap: boolean,
  step = 2,
): TextureError {
  const psnr = maskedPsnr(source, output, mask, channels, step);
  if (!normalMap) return { psnr };
  const angleStep = (step * 4) / gcd(step, 4);
  return { psnr, normalAngleDeg: source.channels >= 3 && output.channels >= 3 ? meanNormalAngle(source, output, mask, angleStep) : 0 };
}

function maskedPsnr(source: RawImage, output: RawImage, mask: Uint8Array | null, channels: readonly number[], step: number): number {
  const sc = source.channels,
    oc = output.channels,
    width = source.width;
  const use0 = channels.includes(0) && sc > 0 && oc > 0;
  const use1 = channels.includes(1) && sc > 1 && oc > 1;
  const use2 = channels.includes(2) && sc > 2 && oc > 2;
  const perTexel = Number(use0) + Number(use1) + Number(use2);
  const s = source.data,
    o = output.data;
  let squared = 0,
    texels = 0;
  for (let y = 0; y < source.height; y += step) {
    for (let x = 0, i = y * width; x < width; x += step, i += step) {
      if (mask !== null && mask[i] === 0) continue;
      const a = i * sc,
        b = i * oc;
      const d0 = use0 ? s[a]! - o[b]! : 0,
        d1 = use1 ? s[a + 1]! - o[b + 1]! : 0,
        d2 = use2 ? s[a + 2]! - o[b + 2]! : 0;
      squared += d0 * d0 + d1 * d1 + d2 * d2;
      texels++;
    }
  }
  const mse = texels * perTexel === 0 ? 0 : squared / (texels * perTexel);
  return mse === 0 ? 100 : Math.min(100, 10 * Math.log10((255 * 255) / mse));
}

/** Mean angle in degrees between the normals two RGB(A) normal maps encode, over `mask`. */
function meanNormalAngle(source: RawImage, output: RawImage, mask: Uint8Array | null, step: number): number {
  const sc = source.channels,
    oc = output.channels,
    width = source.width;
  const s = source.data,
    o = output.data;
  let angle = 0,
    normals = 0;
  for (let y = 0; y < source.height; y += step) {
    for (let x = 0, i = y * width; x < width; x += step, i += step) {
      if (mask !== null && mask[i] === 0) continue;
      const a = i * sc,
        b = i * oc;
      const ax = s[a]! / 127.5 - 1,
        ay = s[a + 1]! / 127.5 - 1,
        az = s[a + 2]! / 127.5 - 1;
      const bx = o[b]! / 127.5 - 1,
        by = o[b + 1]! / 127.5 - 1,
        bz = o[b + 2]! / 127.5 - 1;
      const la = Math.sqrt(ax * ax + ay * ay + az * az),
        lb = Math.sqrt(bx * bx + by * by + bz * bz);
      if (la > 0 && lb > 0) {
        const cos = (ax * bx + ay * by + az * bz) / (la * lb);
        angle += Math.acos(Math.min(1, Math.max(-1, cos)));
        normals++;
      }
    }
  }
  return normals === 0 ? 0 : (angle / normals) * (180 / Math.PI);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
