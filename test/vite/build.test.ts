import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { validateGlb } from '../helpers/validate.js';

const API_KEY = 'msy_integration_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 150, queueDelayMs: 20 });
});
afterAll(async () => {
  await emulator.close();
});

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), ...extra };
}

function glbAssets(assets: Map<string, Uint8Array>): [string, Uint8Array][] {
  return [...assets].filter(([name]) => name.endsWith('.glb'));
}

describe('vite build with meshy: imports', () => {
  it('generates, emits a hashed GLB referenced by the bundle, and validates', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import helmet, { meta } from 'meshy:prompt?text=a weathered viking helmet&target_polycount=2000';\nconsole.log(helmet, meta.triangles);`,
    });
    const before = emulator.stats();
    const { assets, code } = await buildProject(root, pluginOptions(root));

    const glbs = glbAssets(assets);
    expect(glbs).toHaveLength(1);
    const [fileName, bytes] = glbs[0]!;
    expect(fileName).toMatch(/^assets\/a-weathered-viking-helmet-[\w-]{8}\.glb$/);
    expect(code).toContain(fileName);
    expect((await validateGlb(bytes)).errors).toBe(0);
    expect(code).toMatch(/"triangles":\s*\d+/);

    const stats = emulator.stats();
    expect(stats.tasksCreated - before.tasksCreated).toBe(2); // preview + refine
    const manifest = JSON.parse(await readFile(join(root, '.meshy/manifest.json'), 'utf8'));
    const [entry] = Object.values(manifest.entries) as { tasks: { stage: string }[]; credits: number; model: string }[];
    expect(entry!.tasks.map((task) => task.stage)).toEqual(['preview', 'refine']);
    expect(entry!.model).toBe('meshy-7.1');
    expect(entry!.credits).toBe(30);

    // The second build is a pure cache hit: no request reaches Meshy at all.
    const requestsBefore = emulator.stats().requests;
    const again = await buildProject(root, pluginOptions(root));
    expect(emulator.stats().requests).toBe(requestsBefore);
    expect(glbAssets(again.assets).map(([name]) => name)).toEqual([fileName]);
  });

  it('runs one generation for imports that mean the same request, across client and SSR builds', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import a from 'meshy:prompt?text=a brass lantern&textured=false';`,
        `import b from 'meshy:prompt?textured=0&text=a brass lantern&ai_model=latest';`,
        `import c from 'meshy:prompt?text=a brass lantern&textured=false&name=lantern';`,
        `export default [a, b, c];`,
      ].join('\n'),
    });
    const before = emulator.stats().tasksCreated;
    const client = await buildProject(root, pluginOptions(root));
    const ssr = await buildProject(root, pluginOptions(root), { ssr: 'main.js' });
    expect(emulator.stats().tasksCreated - before).toBe(1); // one preview, no refine
    const clientGlbs = glbAssets(client.assets);
    expect(new Set(clientGlbs.map(([, bytes]) => Buffer.from(bytes).toString('base64'))).size).toBe(1);
    // SSR builds do not write assets (build.ssrEmitAssets), but their code points at the client's files.
    for (const [name] of clientGlbs) expect(ssr.code).toContain(name);
  });

  it("fails the build on a failed task with Meshy's message and caches nothing", async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import x from 'meshy:prompt?text=a cursed idol [emulator:fail]';\nconsole.log(x);` });
    await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/Meshy could not generate "a cursed idol \[emulator:fail\]"/);
    expect(await readdir(join(root, '.meshy')).catch(() => [])).not.toContain('manifest.json');
    expect(await readdir(join(root, '.meshy/raw')).catch(() => [])).toEqual([]);
  });

  it('fails on an invalid import, naming the importing file and the option', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'src/game.js': `import x from 'meshy:prompt?text=a&target_polycont=500';\nconsole.log(x);`,
      'main.js': `import './src/game.js';`,
    });
    const before = emulator.stats().requests;
    await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/src\/game\.js[\s\S]*target_polycont[\s\S]*did you mean "target_polycount"/);
    expect(emulator.stats().requests).toBe(before);
  });

  it('in frozen mode fails on a cache miss and spends nothing', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import x from 'meshy:prompt?text=an uncached anvil';\nconsole.log(x);` });
    const before = emulator.stats().requests;
    await expect(buildProject(root, pluginOptions(root, { mode: 'frozen' }))).rejects.toThrow(/not in the Meshy cache[\s\S]*frozen/);
    expect(emulator.stats().requests).toBe(before);
  });

  it('dry run: emits placeholders, spends nothing, and prints what the build would cost', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import a, { meta } from 'meshy:prompt?text=a dry-run dragon';\nimport b from 'meshy:prompt?text=a dry-run egg&textured=false&ai_model=meshy-6-lite';\nconsole.log(a, b, meta.status);`,
    });
    const requests = emulator.stats().requests;
    const logs: string[] = [];
    const { assets, code } = await buildProject(root, pluginOptions(root, { dryRun: true }), { logs });
    expect(emulator.stats().requests).toBe(requests);
    expect(glbAssets(assets).length).toBeGreaterThanOrEqual(1);
    expect(code).toMatch(/"?status"?:\s*"pending"/);
    const printed = logs.join('\n');
    expect(printed).toMatch(/dry run: 2 model\(s\) would be generated for ~35 credits \(nothing was spent\)/);
    expect(printed).toContain('"a dry-run dragon" ~30 credits');
    expect(printed).toContain('"a dry-run egg" ~5 credits');
  });

  it('stops before spending when MESHY_MAX_CREDITS would be exceeded', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import a from 'meshy:prompt?text=a costly castle';\nimport b from 'meshy:prompt?text=a costly keep';\nconsole.log(a, b);`,
    });
    const requests = emulator.stats().requests;
    process.env.MESHY_MAX_CREDITS = '45';
    try {
      await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(
        // Both models listed, in the order their imports were met (the error is printed once, not once per import).
        /about 60 credits, over the budget of 45[\s\S]*("a costly castle"[\s\S]*"a costly keep"|"a costly keep"[\s\S]*"a costly castle")/,
      );
    } finally {
      delete process.env.MESHY_MAX_CREDITS;
    }
    expect(emulator.stats().requests).toBe(requests);
  });

  it('builds named models, sharing the cache entry of the equivalent import', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import crate from 'meshy:crate';\nimport same from 'meshy:prompt?text=a named crate&textured=false&name=crate';\nconsole.log(crate, same);`,
    });
    const before = emulator.stats().tasksCreated;
    const { assets } = await buildProject(root, pluginOptions(root, { models: { crate: { prompt: 'a named crate', textured: false } } }));
    expect(emulator.stats().tasksCreated - before).toBe(1);
    expect(glbAssets(assets).map(([name]) => name)).toEqual([expect.stringMatching(/^assets\/crate-[\w-]{8}\.glb$/)]);
    await expect(buildProject(root, pluginOptions(root, { models: { crate: { prompt: 'a named crate', target_polycount: 3 } } }))).rejects.toThrow(
      /meshy\(\{ models: \{ crate \} \}\)[\s\S]*target_polycount: must be at least 100/,
    );
  });

  it('never writes the API key into the bundle or the cache', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import x, { meta } from 'meshy:prompt?text=a small key-safe box&textured=false';\nconsole.log(x, meta);` });
    const { code, assets } = await buildProject(root, pluginOptions(root));
    expect(code).not.toContain(API_KEY);
    for (const [, bytes] of assets) expect(Buffer.from(bytes).includes(API_KEY)).toBe(false);
    const manifest = await readFile(join(root, '.meshy/manifest.json'), 'utf8');
    expect(manifest).not.toContain(API_KEY);
  });
});
