import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '../../src/cli/commands.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { getDracoIO } from '../../src/optimize/index.js';
import { createProject } from '../../src/project/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { inspectKtx2, validateGlb } from '../helpers/validate.js';

const API_KEY = 'msy_ktx2_build_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 150, queueDelayMs: 20 });
});
afterAll(async () => {
  await emulator.close();
});

describe('vite build with texture_format=ktx2', () => {
  it('emits a GLB with KTX2 textures (KHR_texture_basisu) that validates, with gpuBytes in meta; status sums the video memory', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import crate, { meta } from 'meshy:prompt?text=a ktx2 crate&target_polycount=1500&enable_pbr&texture_format=ktx2';`,
        `import plain, { meta as plainMeta } from 'meshy:prompt?text=a ktx2 crate&target_polycount=1500&enable_pbr';`,
        `console.log(crate, plain, meta.optimization.gpuBytes, plainMeta.optimization.gpuBytes);`,
      ].join('\n'),
    });
    const options: MeshyPluginOptions = { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy') };
    const { assets, code } = await buildProject(root, options);
    const glbs = [...assets].filter(([name]) => name.endsWith('.glb'));
    expect(glbs).toHaveLength(2);

    const io = await getDracoIO();
    const formats = new Map<string, string[]>();
    for (const [name, bytes] of glbs) {
      const document = await io.readBinary(bytes);
      const textures = document.getRoot().listTextures();
      formats.set(name, textures.map((texture) => texture.getMimeType()).sort());
      const report = await validateGlb(bytes);
      expect(report.messages, name).toEqual([]);
      expect(report.errors, name).toBe(0);
      if (textures[0]?.getMimeType() !== 'image/ktx2') continue;
      expect(
        document
          .getRoot()
          .listExtensionsUsed()
          .find((e) => e.extensionName === 'KHR_texture_basisu')
          ?.isRequired(),
      ).toBe(true);
      for (const texture of textures)
        expect(inspectKtx2(texture.getImage()!)).toMatchObject({ levelsInBounds: true, model: expect.stringMatching(/etc1s|uastc/) });
    }
    // One raw model (one Meshy generation), two optimized files: KTX2 and WebP.
    expect([...formats.values()].map((list) => list[0]).sort()).toEqual(['image/ktx2', 'image/webp']);
    expect([...formats.values()].find((list) => list[0] === 'image/ktx2')).toEqual(['image/ktx2', 'image/ktx2', 'image/ktx2']);

    // meta.optimization.gpuBytes of both: KTX2 takes a quarter of the WebP model's RGBA8 (block-rounded small mips aside).
    const gpuBytes = [...code.matchAll(/"gpuBytes":\s*(\d+)/g)].map((match) => Number(match[1]));
    expect(gpuBytes).toHaveLength(2);
    const [small, large] = [...gpuBytes].sort((a, b) => a - b) as [number, number];
    expect(small / large).toBeCloseTo(0.25, 2);
    expect(code).toMatch(/"textureEncodeMs":\s*\d+/);

    const project = createProject(options, { root, env: {}, ci: false, logSink: { info() {}, warn() {}, error() {} } });
    const lines: string[] = [];
    await status(project, (line) => lines.push(line));
    await project.close();
    const total = lines.find((line) => line.startsWith('textures in video memory'));
    // Both imports share one Meshy model (one spec key): status lists it once, with the first import's settings.
    expect(total).toMatch(/~[\d.]+ (KiB|MiB) for 1 optimized model\(s\)/);
    expect(lines.join('\n')).toMatch(/cached {3}"a ktx2 crate".*textures ~[\d.]+ (KiB|MiB) of video memory/);
  }, 180_000);
});
