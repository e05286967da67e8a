import { type Document, NodeIO, type Transform } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { parseMeshyImport, specKey } from '../../src/imports/index.js';
import { optimizedKey, optimizeGlb, optimizeOptionsSchema, PRESETS, resolveOptimizeOptions } from '../../src/optimize/index.js';
import { compareImages, dilate, fillUnusedTexels, rasterizeUvMask } from '../../src/optimize/texels.js';
import { resolvePluginOptions } from '../../src/project/options.js';
import { tinyGlb } from '../helpers/glb.js';

describe('optimize options', () => {
  it('defaults to the web preset, plugin-wide', () => {
    expect(resolvePluginOptions({}).optimize).toMatchObject({ preset: 'web' });
    expect(resolveOptimizeOptions(optimizeOptionsSchema.parse({}))).toEqual({ preset: 'web', ...PRESETS.web });
  });

  it('layers preset ← plugin-wide ← per import', () => {
    const options = optimizeOptionsSchema.parse({ preset: 'mobile', maxTextureSize: 512, compression: 'draco' });
    const resolved = resolveOptimizeOptions(options, { maxTextureSize: 256, maxTriangles: 1000 });
    expect(resolved).toMatchObject({
      preset: 'mobile',
      maxTextureSize: 256,
      compression: 'draco',
      maxTriangles: 1000,
      textureQuality: PRESETS.mobile.textureQuality,
    });
    expect(resolveOptimizeOptions(options, { preset: 'desktop' })).toMatchObject({ preset: 'desktop', maxTextureSize: 512 });
    expect(resolveOptimizeOptions(options, { preset: false })).toBe(false);
    expect(resolveOptimizeOptions(false)).toBe(false);
    expect(resolveOptimizeOptions(false, { preset: 'web' })).toMatchObject({ preset: 'web' });
  });

  it('rejects bad values with their names', () => {
    expect(() => resolvePluginOptions({ optimize: { preset: 'tiny' } })).toThrow(/optimize: preset: /);
    expect(() => resolvePluginOptions({ optimize: { maxTextureSize: 0 } })).toThrow(/maxTextureSize/);
    expect(() => resolvePluginOptions({ optimize: { transforms: 'dedup' } })).toThrow(/transforms/);
    expect(() => resolvePluginOptions({ optimize: { textureSize: 5 } })).toThrow(/textureSize/);
  });

  it('keys the optimized level by raw hash, resolved options, cacheKey and library versions', () => {
    const web = optimizeOptionsSchema.parse({});
    const base = optimizedKey('a'.repeat(64), web);
    expect(optimizedKey('a'.repeat(64), optimizeOptionsSchema.parse({ preset: 'web' }))).toBe(base);
    // Spelling the preset's own value out changes nothing.
    expect(optimizedKey('a'.repeat(64), optimizeOptionsSchema.parse({ maxTextureSize: 2048 }))).toBe(base);
    const variants = [
      optimizedKey('b'.repeat(64), web),
      optimizedKey('a'.repeat(64), web, { maxTriangles: 5000 }),
      optimizedKey('a'.repeat(64), optimizeOptionsSchema.parse({ preset: 'mobile' })),
      optimizedKey('a'.repeat(64), optimizeOptionsSchema.parse({ transforms: [], cacheKey: 'v1' })),
      optimizedKey('a'.repeat(64), optimizeOptionsSchema.parse({ transforms: [], cacheKey: 'v2' })),
      optimizedKey('a'.repeat(64), false),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('per-import overrides in the query', () => {
  it('parse into spec.optimize and stay out of the Meshy request key', () => {
    const plain = parseMeshyImport('meshy:prompt?text=a crate').spec;
    const tuned = parseMeshyImport(
      'meshy:prompt?text=a crate&max_triangles=5000&max_texture_size=1024&texture_format=avif&compression=draco&optimize=mobile&simplify_error=1e-3',
    ).spec;
    expect(tuned.optimize).toEqual({
      preset: 'mobile',
      maxTriangles: 5000,
      maxTextureSize: 1024,
      textureFormat: 'avif',
      compression: 'draco',
      simplifyError: 0.001,
    });
    expect(tuned.kind === 'prompt' && plain.kind === 'prompt' && tuned.preview).toEqual(plain.kind === 'prompt' && plain.preview);
    expect(specKey(tuned)).toBe(specKey(plain));
    expect(plain.optimize).toBeUndefined();
    expect(parseMeshyImport('meshy:prompt?text=a&optimize=false').spec.optimize).toEqual({ preset: false });
  });

  it('reject invalid values', () => {
    expect(() => parseMeshyImport('meshy:prompt?text=a&max_triangles=lots')).toThrow(/max_triangles/);
    expect(() => parseMeshyImport('meshy:prompt?text=a&texture_format=gif')).toThrow(/texture_format/);
    expect(() => parseMeshyImport('meshy:prompt?text=a&simplify_error=2')).toThrow(/simplify_error/);
  });
});

describe('user transforms hook', () => {
  it('runs the hook (function or list) before compression, in this thread', async () => {
    const seen: string[] = [];
    const rename: Transform = (document) => {
      for (const node of document.getRoot().listNodes()) node.setName('renamed');
    };
    const hook = optimizeOptionsSchema.parse({
      transforms: (_document: Document, context: { options: { preset: string } }) => {
        seen.push(context.options.preset);
        return [rename];
      },
    });
    const result = await optimizeGlb(await tinyGlb('x'), hook);
    expect(seen).toEqual(['web']);
    const names = (await new NodeIO().readBinary(new Uint8Array(result.bytes)))
      .getRoot()
      .listNodes()
      .map((n) => n.getName());
    // A one-triangle GLB can only grow, so the input ships; the hook still ran.
    expect(result.report.keptInput ? ['x'] : ['renamed']).toEqual(names);
    const list = optimizeOptionsSchema.parse({ transforms: [rename] });
    expect((await optimizeGlb(await tinyGlb('y'), list)).report.preset).toBe('web');
  });
});

describe('texel helpers', () => {
  it('rasterizes UV coverage', () => {
    const full = rasterizeUvMask([new Float32Array([0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1])], 16, 16, 0);
    expect(full.every((v) => v === 1)).toBe(true);
    const half = rasterizeUvMask([new Float32Array([0, 0, 1, 0, 0, 1])], 64, 64, 0);
    const share = half.reduce((a, b) => a + b, 0) / half.length;
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
  });

  it('grows the mask by a square of the given radius', () => {
    // Against the definition: a texel is set when any texel within `radius` on both axes is.
    const bruteForce = (mask: Uint8Array, width: number, height: number, radius: number) =>
      mask.map((_, i) => {
        const x = i % width,
          y = Math.floor(i / width);
        for (let dy = -radius; dy <= radius; dy++) {
          for (let dx = -radius; dx <= radius; dx++) {
            const sx = x + dx,
              sy = y + dy;
            if (sx >= 0 && sy >= 0 && sx < width && sy < height && mask[sy * width + sx]) return 1;
          }
        }
        return 0;
      });
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const [width, height, radius, density] of [
      [37, 23, 4, 0.01],
      [16, 40, 1, 0.2],
      [9, 9, 12, 0.05],
      [64, 64, 0, 0.3],
    ] as const) {
      const mask = new Uint8Array(width * height).map(() => (random() < density ? 1 : 0));
      expect(dilate(mask, width, height, radius), `${width}x${height} r${radius}`).toEqual(bruteForce(mask, width, height, radius));
    }
  });

  it('fills only unused texels, in place', () => {
    const width = 32,
      height = 32;
    const source = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 251);
    const mask = rasterizeUvMask([new Float32Array([0, 0, 0.5, 0, 0, 0.5])], width, height, 0);
    const image = { data: source.slice(), width, height, channels: 3 };
    expect(fillUnusedTexels(image, mask)).toBe(image);
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(image.data.subarray(i * 3, i * 3 + 3)).toEqual(source.subarray(i * 3, i * 3 + 3));
    }
    expect(image.data).not.toEqual(source);
    const same = compareImages({ data: source, width, height, channels: 3 }, image, mask, [0, 1, 2], false, 1);
    expect(same.psnr).toBe(100);
  });

  it('measures PSNR on the masked texels and channels, and normal-map angles', () => {
    const width = 8,
      height = 8;
    const flat = (rgb: number[]) => ({ data: new Uint8Array(width * height * 3).map((_, i) => rgb[i % 3]!), width, height, channels: 3 });
    const up = flat([128, 128, 255]);
    expect(compareImages(up, up, null, [0, 1, 2], true, 1)).toEqual({ psnr: 100, normalAngleDeg: 0 });
    // Off by 2 on one channel of three: MSE 4/3.
    const offset = flat([128, 130, 255]);
    expect(compareImages(up, offset, null, [0, 1, 2], false).psnr).toBeCloseTo(10 * Math.log10((255 * 255 * 3) / 4), 6);
    expect(compareImages(up, offset, null, [0, 2], false).psnr).toBe(100);
    // Texels outside the mask do not count.
    const mask = new Uint8Array(width * height).fill(1, 0, width * 4);
    const lowerHalfWrong = { ...up, data: up.data.map((v, i) => (i >= width * 4 * 3 ? 0 : v)) };
    expect(compareImages(up, lowerHalfWrong, mask, [0, 1, 2], false).psnr).toBe(100);
    expect(compareImages(up, lowerHalfWrong, null, [0, 1, 2], false).psnr).toBeLessThan(10);
    // (0, 0, 1) against (1, 0, 0) as a normal map: 90°.
    const side = flat([255, 128, 128]);
    expect(compareImages(up, side, null, [0, 1, 2], true, 1).normalAngleDeg).toBeCloseTo(90, 0);
  });

  it('extends a flat chart with its own colour and keeps alpha', () => {
    const width = 40,
      height = 24;
    const data = new Uint8Array(width * height * 4).map((_, i) => (i % 4 === 3 ? i % 256 : [200, 90, 30][i % 4]!));
    const mask = rasterizeUvMask([new Float32Array([0.1, 0.1, 0.4, 0.1, 0.1, 0.6])], width, height, 0);
    for (let i = 0; i < mask.length; i++) if (!mask[i]) data.set([1, 2, 3], i * 4);
    const filled = fillUnusedTexels({ data, width, height, channels: 4 }, mask);
    for (let i = 0; i < mask.length; i++) {
      expect(Array.from(filled.data.subarray(i * 4, i * 4 + 4))).toEqual([200, 90, 30, (i * 4 + 3) % 256]);
    }
  });
});
