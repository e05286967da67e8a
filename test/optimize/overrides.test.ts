import type { Document } from '@gltf-transform/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDracoIO, optimizeGlb, optimizeOptionsSchema } from '../../src/optimize/index.js';
import { FIXTURES_SKIP_REASON, HAS_FIXTURES, readFixture } from '../helpers/fixtures.js';
import { validateGlb } from '../helpers/validate.js';

if (!HAS_FIXTURES) console.warn(`test/optimize/overrides.test.ts skipped: ${FIXTURES_SKIP_REASON}`);

/** A triangle budget is met to within this share above it (attribute seams can stop the simplifier a little short). */
const BUDGET_TOLERANCE = 0.05;

describe.skipIf(!HAS_FIXTURES)('per-import overrides change the output as asked', () => {
  let bear: Uint8Array;
  let fox: Uint8Array;
  const defaults = optimizeOptionsSchema.parse({});

  beforeAll(async () => {
    bear = await readFixture('meshy4-bear.glb');
    fox = await readFixture('Fox.glb');
  });

  it.each([5_000, 12_000])('meets a triangle budget of %i', async (budget) => {
    const result = await optimizeGlb(bear, defaults, { overrides: { maxTriangles: budget, maxTextureSize: 128 } });
    expect(result.before.triangles).toBeGreaterThan(budget);
    expect(result.after.triangles).toBeLessThanOrEqual(budget * (1 + BUDGET_TOLERANCE));
    expect(result.after.triangles).toBeGreaterThan(budget * 0.5);
    expect(result.report.quality.geometricError).toBeGreaterThan(0);
    expect((await validateGlb(result.bytes)).errors).toBe(0);
  });

  it('caps the texture size and changes the format', async () => {
    const result = await optimizeGlb(bear, defaults, { overrides: { maxTextureSize: 256, textureFormat: 'jpeg', simplifyError: 0 } });
    expect(result.after.triangles).toBe(result.before.triangles);
    for (const texture of result.after.textures) {
      expect(Math.max(texture.width, texture.height)).toBeLessThanOrEqual(256);
      expect(texture.mimeType).toBe('image/jpeg');
    }
  });

  it('compresses with Draco and keeps skin weights normalized', async () => {
    const result = await optimizeGlb(fox, defaults, { overrides: { compression: 'draco', maxTextureSize: 256 } });
    const document = await (await getDracoIO()).readBinary(result.bytes);
    expect(
      document
        .getRoot()
        .listExtensionsUsed()
        .map((e) => e.extensionName),
    ).toContain('KHR_draco_mesh_compression');
    const report = await validateGlb(result.bytes);
    expect(report.codes.ACCESSOR_WEIGHTS_NON_NORMALIZED).toBeUndefined();
    expect(report.errors).toBe(0);
    expect(document.getRoot().listAnimations()).toHaveLength(3);
  });

  it('quantize only: no meshopt extension', async () => {
    const result = await optimizeGlb(fox, defaults, { overrides: { compression: 'quantize', maxTextureSize: 256 } });
    const used = (await (await getDracoIO()).readBinary(result.bytes))
      .getRoot()
      .listExtensionsUsed()
      .map((e) => e.extensionName);
    expect(used).toContain('KHR_mesh_quantization');
    expect(used).not.toContain('EXT_meshopt_compression');
  });

  it('`false` ships the input untouched; `lossless` keeps every texture byte', async () => {
    const raw = await optimizeGlb(fox, defaults, { overrides: { preset: false } });
    expect(raw.bytes).toBe(fox);
    const lossless = await optimizeGlb(fox, defaults, { overrides: { preset: 'lossless' } });
    expect(lossless.after.textures.map((t) => t.bytes)).toEqual(lossless.before.textures.map((t) => t.bytes));
    expect(lossless.after.triangles).toBe(lossless.before.triangles);
    expect(lossless.bytes.byteLength).toBeLessThanOrEqual(fox.byteLength);
  });

  it('a transforms hook sees the re-encoded textures', async () => {
    const seen: string[] = [];
    const hooked = optimizeOptionsSchema.parse({
      maxTextureSize: 256,
      transforms: (document: Document) => {
        seen.push(
          ...document
            .getRoot()
            .listTextures()
            .map((texture) => texture.getMimeType()),
        );
        return [];
      },
    });
    const result = await optimizeGlb(fox, hooked);
    expect(seen).toEqual(['image/webp']);
    expect(result.report.textures.map((texture) => texture.after.mimeType)).toEqual(['image/webp']);
  });

  it('mobile halves texture sizes relative to web', async () => {
    const result = await optimizeGlb(fox, optimizeOptionsSchema.parse({ preset: 'mobile' }));
    expect(result.report.preset).toBe('mobile');
    for (const texture of result.after.textures) expect(Math.max(texture.width, texture.height)).toBeLessThanOrEqual(1024);
  });
});
