import sharp from 'sharp';
import { createRandom, grain, hash32 } from './random.js';

/** The maps Meshy lists in `texture_urls` (https://docs.meshy.ai/en/api/text-to-3d). */
export type TextureMap = 'base_color' | 'metallic' | 'roughness' | 'normal' | 'emission';

export interface Pixels {
  data: Uint8Array;
  size: number;
  channels: 1 | 3 | 4;
}

type Rgb = [number, number, number];

/** What the texture prompt decides: colours and whether the surface reads as metal. */
export interface Look {
  main: Rgb;
  accent: Rgb;
  crevice: Rgb;
  metallic: boolean;
}

export function lookFor(text: string): Look {
  const random = createRandom(hash32('look', text));
  const hue = random();
  const metallic = /metal|steel|iron|bronze|brass|copper|gold|silver|chrome|robot/i.test(text) || random() < 0.25;
  return {
    main: hsl(hue, 0.35 + random() * 0.3, 0.45 + random() * 0.15),
    accent: hsl((hue + 0.08 + random() * 0.1) % 1, 0.3 + random() * 0.3, 0.55 + random() * 0.2),
    crevice: hsl(hue, 0.25, 0.15 + random() * 0.1),
    metallic,
  };
}

/**
 * Tileable fractal value noise in [0, 1], one value per pixel: the "height" every map derives from,
 * so colour, roughness, metal and normal features line up like in a baked texture set.
 */
export function heightField(seed: number, size: number): Float32Array {
  const field = new Float32Array(size * size);
  const random = createRandom(hash32('height', seed));
  let amplitude = 1;
  // Features finer than ~16 texels would only read as noise at this resolution.
  const finestCells = Math.max(4, Math.min(128, size / 16));
  for (let cells = 4; cells <= finestCells; cells *= 2) {
    const lattice = Float32Array.from({ length: cells * cells }, random);
    const x0 = new Int32Array(size);
    const x1 = new Int32Array(size);
    const fx = new Float32Array(size);
    for (let x = 0; x < size; x++) {
      const u = (x / size) * cells;
      x0[x] = Math.floor(u);
      x1[x] = (x0[x]! + 1) % cells;
      fx[x] = smooth(u - x0[x]!);
    }
    for (let y = 0; y < size; y++) {
      const v = (y / size) * cells;
      const row0 = Math.floor(v) * cells;
      const row1 = ((Math.floor(v) + 1) % cells) * cells;
      const fy = smooth(v - Math.floor(v));
      const offset = y * size;
      for (let x = 0; x < size; x++) {
        const top = lattice[row0 + x0[x]!]! + (lattice[row0 + x1[x]!]! - lattice[row0 + x0[x]!]!) * fx[x]!;
        const bottom = lattice[row1 + x0[x]!]! + (lattice[row1 + x1[x]!]! - lattice[row1 + x0[x]!]!) * fx[x]!;
        field[offset + x] = field[offset + x]! + (top + (bottom - top) * fy) * amplitude;
      }
    }
    amplitude *= 0.5;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const value of field) {
    if (value < min) min = value;
    if (value > max) max = value;
  }
  const range = max - min || 1;
  for (let i = 0; i < field.length; i++) field[i] = (field[i]! - min) / range;
  return field;
}

/** One map of the set. Metallic and roughness are single-channel, as Meshy serves them separately. */
export function paintMap(map: TextureMap, height: Float32Array, size: number, look: Look, seed: number): Pixels {
  // Per-pixel grain is what makes real textures compress poorly; a downscaled texture averages it
  // out, so it fades with size (and keeps the small test profile's files small).
  const fine = Math.min(1, size / 2048);
  switch (map) {
    case 'base_color':
      return paint(size, 3, (x, y, out) => {
        const h = height[y * size + x]!;
        const band = smoothstep(0.35, 0.65, h);
        const dark = smoothstep(0.3, 0.08, h);
        const noise = grain(x, y, seed) * 8 * fine;
        for (let c = 0; c < 3; c++) {
          const mixed = look.main[c]! + (look.accent[c]! - look.main[c]!) * band;
          out[c] = mixed + (look.crevice[c]! - mixed) * dark + noise;
        }
      });
    case 'roughness':
      return paint(size, 1, (x, y, out) => {
        out[0] = 255 * (0.4 + 0.45 * (1 - height[y * size + x]!)) + grain(x, y, seed + 1) * 6 * fine;
      });
    case 'metallic':
      return paint(size, 1, (x, y, out) => {
        const metal = look.metallic ? smoothstep(0.45, 0.6, height[y * size + x]!) * 220 + 20 : 0;
        out[0] = metal + (look.metallic ? grain(x, y, seed + 2) * 4 * fine : 0);
      });
    case 'normal': {
      const strength = size / 8;
      return paint(size, 3, (x, y, out) => {
        const dx = height[y * size + ((x + 1) % size)]! - height[y * size + ((x + size - 1) % size)]!;
        const dy = height[((y + 1) % size) * size + x]! - height[((y + size - 1) % size) * size + x]!;
        const nx = -dx * strength;
        const ny = -dy * strength;
        const length = Math.sqrt(nx * nx + ny * ny + 1);
        out[0] = (nx / length) * 127.5 + 127.5;
        out[1] = (ny / length) * 127.5 + 127.5;
        out[2] = (1 / length) * 127.5 + 127.5;
      });
    }
    case 'emission':
      return { data: new Uint8Array(size * size * 3), size, channels: 3 };
  }
}

/** glTF packs roughness in G and metalness in B of one texture. */
export function packMetallicRoughness(metallic: Pixels, roughness: Pixels): Pixels {
  const { size } = metallic;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size * size; i++) {
    data[i * 3] = 255;
    data[i * 3 + 1] = roughness.data[i]!;
    data[i * 3 + 2] = metallic.data[i]!;
  }
  return { data, size, channels: 3 };
}

export async function encodePng(pixels: Pixels): Promise<Uint8Array> {
  const { data, size, channels } = pixels;
  const png = await sharp(data, { raw: { width: size, height: size, channels } })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function paint(size: number, channels: 1 | 3, shade: (x: number, y: number, out: number[]) => void): Pixels {
  // Clamped: rounds and saturates out-of-range values instead of wrapping them.
  const data = new Uint8ClampedArray(size * size * channels);
  const out = [0, 0, 0];
  for (let y = 0, i = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      shade(x, y, out);
      for (let c = 0; c < channels; c++) data[i++] = out[c]!;
    }
  }
  return { data: new Uint8Array(data.buffer), size, channels };
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

function hsl(h: number, s: number, l: number): Rgb {
  const k = (n: number) => (n + h * 12) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => 255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1)));
  return [channel(0), channel(8), channel(4)];
}
