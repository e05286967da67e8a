import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { parseMeshyImport } from '../../src/imports/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { withoutHostColours } from '../helpers/text.js';
import { useTempDirs } from '../helpers/tmp.js';
import { type DevServer, readModule, startDevServer } from './dev-helpers.js';

/**
 * Validation at build start: a build creates no Meshy task until every `meshy:` import it can see
 * (the sources' literals, the named models) has parsed, and reports every problem at once.
 */

const API_KEY = 'msy_preflight_test_key_0003';
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
const tempDir = useTempDirs();
let emulator: Emulator;
const servers: DevServer[] = [];

beforeAll(async () => {
  // Slow tasks: a build that had started paying would still be waiting when the failure lands.
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 400, queueDelayMs: 10 });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), optimize: false, ...extra };
}

async function buildError(root: string, options: MeshyPluginOptions): Promise<Error> {
  try {
    await buildProject(root, options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the build to fail');
}

describe('validation at build start', () => {
  it('pays for nothing when any import is invalid, and lists every problem with its file, line and option', async () => {
    const root = await tempDir();
    await writeProject(root, {
      // Valid and uncached: the build used to pay for it before it met the invalid ones, a few modules deeper.
      'main.js': `import chair from 'meshy:prompt?text=a valid chair&textured=false';\nimport './src/1.js';\nconsole.log(chair);`,
      'src/1.js': `import './2.js';`,
      'src/2.js': `import './3.js';`,
      'src/3.js': `import './b.js';\nimport './c.js';\nimport knight from 'meshy:knight';\nconsole.log(knight);`,
      'src/b.js': `// polycount\nimport crate from 'meshy:prompt?text=a crate&target_polycount=50';\nexport default crate;`,
      'src/c.js': [
        `import lamp from 'meshy:prompt?text=a lamp&name=../x';`,
        `import ghost from 'meshy:constructor';`,
        `const lazy = () => import('meshy:image?src=./missing.png');`,
        // Not imports: an event name, a label, an id built at run time, an example in a comment.
        `import.meta.hot?.on('meshy:done', () => {});`,
        `const kinds = { lamp: 'meshy:prompt' };`,
        `const built = (name) => import('meshy:prompt?text=' + name);`,
        `// import old from 'meshy:prompt?text=an old lamp&target_polycount=1';`,
        '/* e.g. "meshy:image?src=./nowhere.png" */',
        'export default [lamp, ghost, lazy, kinds, built];',
      ].join('\n'),
    });
    const before = emulator.stats();
    const error = await buildError(root, pluginOptions(root, { models: { knight: { prompt: 'a knight', target_polycount: 3 } } }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = emulator.stats();
    expect(after.tasksCreated).toBe(before.tasksCreated);
    expect(after.requests).toBe(before.requests);

    expect(error.message).toMatch(/5 invalid Meshy imports \(5 problems\); nothing was generated or paid for/);
    expect(error.message).toMatch(
      /\nInvalid Meshy import "meshy:prompt\?name=knight&.*" in meshy\(\{ models: \{ knight \} \}\):\n {2}- target_polycount: must be at least 100; got 3/,
    );
    expect(error.message).toMatch(
      /\nsrc\/b\.js:2: Invalid Meshy import "meshy:prompt\?text=a crate&target_polycount=50" in src\/b\.js:\n {2}- target_polycount: must be at least 100; got 50/,
    );
    expect(error.message).toMatch(/\nsrc\/c\.js:1: .*\n {2}- name: must be a file base name, without folders/);
    expect(error.message).toMatch(/\nsrc\/c\.js:2: Invalid Meshy import "meshy:constructor" in src\/c\.js:\n {2}- unknown kind "meshy:constructor"/);
    expect(error.message).toMatch(/\nsrc\/c\.js:3: .*\n {2}- src: file not found: "\.\/missing\.png" \(resolved to \/src\/missing\.png\)/);
    for (const text of ['meshy:done', 'an old lamp', 'nowhere.png', 'src/c.js:6', 'src/c.js:7']) expect(error.message).not.toContain(text);
    // The broken named model is reported where it is defined, not again at each import of it.
    expect(error.message.match(/target_polycount: must be at least 100; got 3/g)).toHaveLength(1);
  });

  it('resolves file inputs against the importing file, and builds when everything parses', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import './src/game.js';\nimport.meta.hot?.on('meshy:progress', () => {});`,
      'src/game.js': `import chair from 'meshy:image?src=./art/chair.png&should_texture=false';\nexport default chair;`,
    });
    await mkdir(join(root, 'src/art'));
    await writeFile(join(root, 'src/art/chair.png'), PNG);
    const { assets } = await buildProject(root, pluginOptions(root, { dryRun: true }));
    expect([...assets.keys()].some((name) => name.endsWith('.glb'))).toBe(true);
  });

  it('a config file model is named by its file', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import hero from 'meshy:hero';\nconsole.log(hero);`,
      'meshy.config.mjs': `export default { models: { hero: { prompt: 'a hero', animation: ['wlak'] } } };`,
    });
    const error = await buildError(root, pluginOptions(root));
    expect(error.message).toMatch(
      /\nmeshy\.config\.mjs \(models\.hero\): Invalid Meshy import .*\n {2}- animation: unknown animation "wlak" \(did you mean "walk"/,
    );
  });

  it('fuzzed invalid imports next to a valid one: the build fails and nothing reaches Meshy', async () => {
    const value = fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom('../x', '%00', '\u001b[31m', '50', '__proto__'),
    );
    const key = fc.constantFrom('name', 'target_polycount', 'text', '__proto__', 'constructor', 'ai_model', 'animation', 'src');
    const ids = fc
      .sample(
        fc
          .tuple(fc.constantFrom('prompt', 'image', 'text-to-image', 'toString'), key, value)
          .map(([kind, k, v]) => `meshy:${kind}?text=a fuzzed lamp&${k}=${v}`),
        { numRuns: 60, seed: 10 },
      )
      .filter((id) => {
        try {
          parseMeshyImport(id);
          return false;
        } catch {
          return true;
        }
      });
    expect(ids.length).toBeGreaterThan(20);
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import ok from 'meshy:prompt?text=a fuzz survivor&textured=false';\nimport './fuzzed.js';\nconsole.log(ok);`,
      'fuzzed.js': ids.map((id, index) => `import m${index} from ${JSON.stringify(id)};`).join('\n'),
    });
    const before = emulator.stats();
    const error = await buildError(root, pluginOptions(root));
    expect(error.message).toMatch(/invalid Meshy imports/);
    expect(error.message).toContain('fuzzed.js:1');
    expect(withoutHostColours(error.message)).not.toMatch(/(?![\n])\p{Cc}/u);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(emulator.stats().requests).toBe(before.requests);
  });

  it('dev: reports invalid imports as errors and keeps serving the valid ones', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import ok from 'meshy:prompt?text=a dev stool&textured=false';\nimport './broken.js';\nconsole.log(ok);`,
      'broken.js': `\nimport bad from 'meshy:prompt?text=a&target_polycount=50';\nexport default bad;`,
    });
    const server = await startDevServer(root, pluginOptions(root, { mode: 'offline' }));
    servers.push(server);
    const main = await fetch(new URL('main.js', server.url));
    expect(main.status).toBe(200);
    const path = /from "(\/[^"]*@id\/__x00__meshy:prompt[^"]+)"/.exec(await main.text())?.[1];
    expect(readModule(await (await fetch(new URL(path!, server.url))).text()).meta.status).toBe('pending');
    // Reported once the server listens (its start does not wait for the scan), within a bounded wait.
    await expect
      .poll(() => server.logs.join('\n'), { timeout: 10_000 })
      .toMatch(/1 invalid Meshy import \(1 problem\)[\s\S]*broken\.js:2[\s\S]*target_polycount: must be at least 100; got 50/);
  });
});
