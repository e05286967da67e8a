import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { findConfigFile, loadConfigFile, mergeConfiguredModels, resolveConfiguredModels } from '../../src/vite/config-file.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { startDevServer } from './dev-helpers.js';

const API_KEY = 'msy_config_file_test_key_01';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 10 });
});
afterAll(async () => {
  await emulator.close();
});

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), ...extra };
}

/** What `npm i vite-plugin-meshy` puts in node_modules, as far as a config file sees it (ESM only). */
const packageStub = {
  'node_modules/vite-plugin-meshy/package.json': JSON.stringify({ name: 'vite-plugin-meshy', type: 'module', exports: { '.': { default: './index.js' } } }),
  'node_modules/vite-plugin-meshy/index.js': 'export const defineMeshyConfig = (config) => config;\n',
};

const reserved = ['prompt'];
const env = { command: 'build', mode: 'production' } as const;

describe('meshy.config.ts', () => {
  it('builds named models of meshy.config.ts merged with the plugin options, and writes their types', async () => {
    const root = await tempDir();
    await writeProject(root, {
      ...packageStub,
      'shared.ts': `export const seed: number = 1234;\n`,
      'meshy.config.ts': [
        `import { defineMeshyConfig } from 'vite-plugin-meshy';`,
        `import { seed } from './shared';`,
        `const budget: number = 2000;`,
        `export default defineMeshyConfig({`,
        `  defaults: { seed },`,
        `  models: { crate: { prompt: 'a config-file crate', textured: false, target_polycount: budget } },`,
        `});`,
      ].join('\n'),
      'main.js': `import crate, { meta } from 'meshy:crate';\nimport barrel from 'meshy:barrel';\nconsole.log(crate, barrel, meta.prompt);`,
    });
    const before = emulator.stats().tasksCreated;
    const { assets, code } = await buildProject(root, pluginOptions(root, { models: { barrel: { prompt: 'a config-file barrel', textured: false } } }));
    const glbs = [...assets.keys()].filter((name) => name.endsWith('.glb')).sort();
    expect(glbs).toEqual([expect.stringMatching(/^assets\/barrel-[\w-]{8}\.glb$/), expect.stringMatching(/^assets\/crate-[\w-]{8}\.glb$/)]);
    for (const name of glbs) expect(code).toContain(name);
    expect(code).toContain('a config-file crate');
    expect(emulator.stats().tasksCreated - before).toBe(2); // one untextured preview each

    const types = await readFile(join(root, '.meshy/models.d.ts'), 'utf8');
    expect(types).toContain(`declare module "meshy:barrel"`);
    expect(types).toContain(`declare module "meshy:crate"`);
    expect(types).toContain(`export type MeshyModelName = "barrel" | "crate";`);

    // Nothing changed: the next build (a cache hit) leaves the file alone.
    const { mtimeMs } = await stat(join(root, '.meshy/models.d.ts'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await buildProject(root, pluginOptions(root, { models: { barrel: { prompt: 'a config-file barrel', textured: false } } }));
    expect((await stat(join(root, '.meshy/models.d.ts'))).mtimeMs).toBe(mtimeMs);
  });

  it('loads meshy.config.mjs and .mts (ESM) and a configFile elsewhere; configFile: false ignores the file', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'meshy.config.mjs': `export default { models: { lamp: { prompt: 'a lamp' } } };`,
      'config/models.mts': `const models: Record<string, { prompt: string }> = { stool: { prompt: 'a stool' } };\nexport default { models };`,
    });
    expect(findConfigFile(root, undefined)).toBe(join(root, 'meshy.config.mjs'));
    expect(
      (await resolveConfiguredModels({ root, configFile: undefined, models: undefined, defaults: undefined, reservedNames: reserved })).imports.get('lamp'),
    ).toBe('meshy:prompt?name=lamp&text=a+lamp');
    const custom = await resolveConfiguredModels({ root, configFile: 'config/models.mts', models: undefined, defaults: undefined, reservedNames: reserved });
    expect([...custom.imports.keys()]).toEqual(['stool']);
    expect(custom.configFile!.dependencies).toContain(join(root, 'config/models.mts'));
    const none = await resolveConfiguredModels({ root, configFile: false, models: { a: { prompt: 'x' } }, defaults: undefined, reservedNames: reserved });
    expect([...none.imports.keys()]).toEqual(['a']);
    expect(none.configFile).toBeUndefined();
    expect(() => findConfigFile(root, 'nope.config.ts')).toThrow(/meshy\(\{ configFile: "nope\.config\.ts" \}\): there is no such file/);
  });

  it('rejects a model or default defined both in the plugin options and in the file, naming both places', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'meshy.config.js': `export default { defaults: { enable_pbr: true }, models: { knight: { prompt: 'a knight' }, page: { prompt: 'a page' } } };`,
      'main.js': `import k from 'meshy:knight';\nconsole.log(k);`,
    });
    const requests = emulator.stats().requests;
    await expect(
      buildProject(root, pluginOptions(root, { defaults: { enable_pbr: false }, models: { knight: { prompt: 'another knight' } } })),
    ).rejects.toThrow(
      /defined in two places[\s\S]*model "knight": in meshy\(\{ models \}\) \(the Vite config\) and in meshy\.config\.js \(models\)[\s\S]*default "enable_pbr": in meshy\(\{ defaults \}\)/,
    );
    expect(emulator.stats().requests).toBe(requests);

    // Defaults of either place apply to the models of both.
    const file = await loadConfigFile(join(root, 'meshy.config.js'), { root, env });
    const merged = mergeConfiguredModels({ models: { squire: { prompt: 'a squire' } }, defaults: { seed: 7 } }, file, root, reserved);
    expect(merged.imports.get('squire')).toContain('enable_pbr=true');
    expect(merged.imports.get('knight')).toContain('seed=7');
    expect(Object.keys(merged.models).sort()).toEqual(['knight', 'page', 'squire']);
  });

  it('names the file when it cannot be loaded or is invalid', async () => {
    const root = await tempDir();
    const cases: [string, string, RegExp][] = [
      ['syntax.ts', `export default { models: { a: { prompt: 'x' } }`, /Could not load syntax\.ts: [\s\S]*(Expected|expected)/],
      ['throws.js', `throw new Error('no models today');\nexport default {};`, /Could not load throws\.js: no models today/],
      ['missing-import.js', `import x from './nowhere.js';\nexport default x;`, /Could not load missing-import\.js: [\s\S]*nowhere/],
      ['no-default.js', `export const models = {};`, /Could not load no-default\.js: it must `export default defineMeshyConfig\(\{ models, defaults \}\)`/],
      ['no-prompt.ts', `export default { models: { knight: { pose_mode: 't-pose' } } };`, /Invalid no-prompt\.ts[\s\S]*models\.knight: needs a `prompt`/],
      ['unknown-key.ts', `export default { modles: {} };`, /Invalid unknown-key\.ts[\s\S]*Unrecognized key: "modles"/],
      ['bad-value.ts', `export default { models: { knight: { prompt: 'a', seed: null } } };`, /Invalid bad-value\.ts[\s\S]*models\.knight\.seed/],
      ['bad-name.ts', `export default { models: { 'prompt': { prompt: 'a' } } };`, /In bad-name\.ts: Invalid model name "prompt"/],
    ];
    for (const [name, source] of cases) await writeFile(join(root, name), source);
    for (const [name, , expected] of cases) {
      await expect(resolveConfiguredModels({ root, configFile: name, models: undefined, defaults: undefined, reservedNames: reserved }), name).rejects.toThrow(
        expected,
      );
    }

    // In a build, the error stops it before anything is asked of Meshy.
    await writeProject(root, { 'meshy.config.ts': `export default { models: { knight: { pose_mode: 't-pose' } } };`, 'main.js': `console.log(1);` });
    const requests = emulator.stats().requests;
    await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/Invalid meshy\.config\.ts[\s\S]*models\.knight: needs a `prompt`/);
    expect(emulator.stats().requests).toBe(requests);
  });

  it('dev server: restarts with the new models when meshy.config.ts changes', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'meshy.config.ts': `export default { models: { anvil: { prompt: 'an anvil', textured: false } } };`,
      'main.js': `console.log(1);`,
    });
    const server = await startDevServer(root, pluginOptions(root));
    try {
      const importer = join(root, 'main.js');
      const resolves = async (id: string) =>
        server.server.environments.client.pluginContainer.resolveId(id, importer).then(
          (resolved) => !!resolved,
          () => false,
        );
      expect(await resolves('meshy:anvil')).toBe(true);
      expect(await resolves('meshy:hammer')).toBe(false);

      await writeFile(join(root, 'meshy.config.ts'), `export default { models: { hammer: { prompt: 'a hammer', textured: false } } };`);
      const deadline = Date.now() + 15_000;
      while (!(await resolves('meshy:hammer')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await resolves('meshy:hammer')).toBe(true);
      expect(await resolves('meshy:anvil')).toBe(false);
      expect(server.logs.join('\n')).toMatch(/meshy\.config\.ts changed: restarting the server/);
      expect(await readFile(join(root, '.meshy/models.d.ts'), 'utf8')).toContain('export type MeshyModelName = "hammer";');

      // A broken edit: the restart fails naming the file, and the server keeps the models it had.
      await writeFile(join(root, 'meshy.config.ts'), `export default { models: { tongs: { textured: false } } };`);
      const failed = Date.now() + 15_000;
      while (!server.logs.some((line) => line.includes('server restart failed')) && Date.now() < failed)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.logs.join('\n')).toMatch(/Invalid meshy\.config\.ts[\s\S]*models\.tongs: needs a `prompt`/);
      expect(await resolves('meshy:hammer')).toBe(true);

      // Fixed: the next change applies.
      await writeFile(join(root, 'meshy.config.ts'), `export default { models: { tongs: { prompt: 'tongs', textured: false } } };`);
      const fixed = Date.now() + 15_000;
      while (!(await resolves('meshy:tongs')) && Date.now() < fixed) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await resolves('meshy:tongs')).toBe(true);
    } finally {
      await server.close();
    }
  });
});
