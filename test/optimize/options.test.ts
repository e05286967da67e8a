import { Document, NodeIO, type Transform } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import {
  optimizedKey,
  optimizeGlb,
  optimizeOptionsSchema,
  PRESETS,
  resolveOptimizeOptions,
} from '../../src/optimize/index.js';
import { compareImages, fillUnusedTexels, rasterizeUvMask } from '../../src/optimize/texels.js';
import { parseMeshyImport, specKey } from '../../src/spec/index.js';
import { resolvePluginOptions } from '../../src/vite/options.js';
import { tinyGlb } from '../helpers/glb.js';

describe('optimize options', () => {
  it('defaults to the web preset, plugin-wide', () => {
    expect(resolvePluginOptions({}).optimize).toMatchObject({ preset: 'web' });
    expect(resolveOptimizeOptions(optimizeOptionsSchema.parse({}))).toEqual({ preset: 'web', ...PRESETS.web });
  });

  it('layers preset ← plugin-wide ← per import', () => {
    const options = optimizeOptionsSchema.parse({ preset: 'mobile', maxTextureSize: 512, compression: 'draco' });
    const resolved = resolveOptimizeOptions(options, { maxTextureSize: 256, maxTriangles: 1000 });
    expect(resolved).toMatchObject({ preset: 'mobile', maxTextureSize: 256, compression: 'draco', maxTriangles: 1000, textureQuality: PRESETS.mobile.textureQuality });
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
    const tuned = parseMeshyImport('meshy:prompt?text=a crate&max_triangles=5000&max_texture_size=1024&texture_format=avif&compression=draco&optimize=mobile&simplify_error=1e-3').spec;
    expect(tuned.optimize).toEqual({ preset: 'mobile', maxTriangles: 5000, maxTextureSize: 1024, textureFormat: 'avif', compression: 'draco', simplifyError: 0.001 });
    expect(tuned.preview).toEqual(plain.preview);
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
    const names = (await new NodeIO().readBinary(new Uint8Array(result.bytes))).getRoot().listNodes().map((n) => n.getName());
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

  it('fills only unused texels, smoothly', async () => {
    const width = 32, height = 32;
    const data = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 251);
    const mask = rasterizeUvMask([new Float32Array([0, 0, 0.5, 0, 0, 0.5])], width, height, 0);
    const filled = await fillUnusedTexels({ data, width, height, channels: 3 }, mask);
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) expect(filled.data.subarray(i * 3, i * 3 + 3)).toEqual(data.subarray(i * 3, i * 3 + 3));
    }
    expect(filled.data).not.toEqual(data);
    const same = compareImages({ data, width, height, channels: 3 }, filled, mask, [0, 1, 2], false, 1);
    expect(same.psnr).toBe(100);
  });
});
