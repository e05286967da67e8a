import type { Document } from '@gltf-transform/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { getDracoIO, type OptimizeResult, optimizeGlb, optimizeOptionsSchema } from '../../src/optimize/index.js';
import { FIXTURES_SKIP_REASON, HAS_FIXTURES, listFixtures, readFixture } from '../helpers/fixtures.js';
import { validateGlb } from '../helpers/validate.js';

if (!HAS_FIXTURES) console.warn(`test/optimize/fixtures.test.ts skipped: ${FIXTURES_SKIP_REASON}`);

const fixtures = listFixtures();

interface Outcome {
  input: Uint8Array;
  result: OptimizeResult;
  source: Document;
  output: Document;
}

function morphTargetCount(document: Document): number {
  return document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives())
    .reduce((sum, primitive) => sum + primitive.listTargets().length, 0);
}

// Every fixture is optimized once with the default preset; the tests below share the results.
describe.skipIf(!HAS_FIXTURES)('default preset on the shared fixtures', () => {
  const outcomes = new Map<string, Outcome>();

  beforeAll(async () => {
    const io = await getDracoIO();
    const options = optimizeOptionsSchema.parse({});
    for (const name of fixtures) {
      const input = await readFixture(name);
      const result = await optimizeGlb(input, options);
      outcomes.set(name, { input, result, source: await io.readBinary(input), output: await io.readBinary(result.bytes) });
    }
  }, 240_000);

  it.each(fixtures)('%s loads back and validates (decoded) with zero errors', async (name) => {
    const { result } = outcomes.get(name)!;
    const report = await validateGlb(result.bytes);
    expect(report.messages).toEqual([]);
    expect(report.errors).toBe(0);
  });

  it.each(fixtures)('%s keeps its animations, skins and morph targets', (name) => {
    const { source, output } = outcomes.get(name)!;
    const names = (d: Document) =>
      d
        .getRoot()
        .listAnimations()
        .map((a) => a.getName())
        .sort();
    expect(names(output)).toEqual(names(source));
    expect(output.getRoot().listSkins().length).toBe(source.getRoot().listSkins().length);
    expect(morphTargetCount(output) > 0).toBe(morphTargetCount(source) > 0);
    for (const animation of output.getRoot().listAnimations()) expect(animation.listChannels().length).toBeGreaterThan(0);
  });

  it.each(fixtures)('%s is never larger than its input, nor is any texture', (name) => {
    const { input, result } = outcomes.get(name)!;
    expect(result.bytes.byteLength).toBeLessThanOrEqual(input.byteLength);
    for (const texture of result.report.textures) {
      expect(texture.after.bytes, texture.name).toBeLessThanOrEqual(texture.before.bytes);
    }
  });

  it.each(fixtures)('%s records triangles, texture sizes, bytes and quality', (name) => {
    const { input, result } = outcomes.get(name)!;
    const { report } = result;
    expect(report.before.bytes).toBe(input.byteLength);
    expect(report.after.bytes).toBe(result.bytes.byteLength);
    expect(report.after.triangles).toBeLessThanOrEqual(report.before.triangles);
    expect(report.quality.geometricError).toBeLessThanOrEqual(1e-4 + 1e-9);
    for (const texture of report.textures.filter((t) => !t.keptSource)) {
      // "No visible loss": every re-encoded texture stays above 30 dB on the texels the model shows.
      expect(texture.psnr, texture.name).toBeGreaterThan(30);
      expect(texture.after.mimeType).toBe('image/webp');
    }
    if (report.before.textures.length > 0 && !report.keptInput) expect(report.quality.texturePsnrMin).not.toBeNull();
  });

  it('shrinks the real Meshy models to well under half', () => {
    for (const name of fixtures.filter((f) => f.startsWith('meshy4-'))) {
      const { input, result } = outcomes.get(name)!;
      expect(result.bytes.byteLength / input.byteLength, name).toBeLessThan(0.4);
    }
  });
});
