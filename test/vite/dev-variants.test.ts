import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { writeProject } from '../helpers/project.js';
import { withoutHostColours } from '../helpers/text.js';
import { useTempDirs } from '../helpers/tmp.js';
import { type DevServer, isEvent, readModule, startDevServer } from './dev-helpers.js';

/**
 * The dev server makes only what a project file imports: not a generation (dev.test.ts), and not an
 * optimized variant either. Each `max_triangles=…` of a stored model would otherwise be a new
 * optimization (CPU) and two new files (disk) for anyone who can reach the server.
 */

const API_KEY = 'msy_dev_variants_test_key_0011';
const tempDir = useTempDirs();
let emulator: Emulator;
const servers: DevServer[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 150, queueDelayMs: 10 });
});
afterAll(() => emulator.close());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function dev(root: string): Promise<DevServer> {
  const options: MeshyPluginOptions = {
    apiKey: API_KEY,
    apiBase: emulator.url,
    mode: 'generate',
    storeDir: join(root, '.meshy'),
    optimize: { preset: 'web', workers: 1 },
  };
  const server = await startDevServer(root, options);
  servers.push(server);
  return server;
}

async function get(server: DevServer, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(path, server.url), { headers });
  return { status: response.status, body: await response.text() };
}

describe('dev server: what any request may make or print', () => {
  it('optimizes only the variants a project file imports; any other answers an error without CPU or disk work', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import stool from 'meshy:prompt?text=a guarded stool&textured=false';`,
        `import low from 'meshy:prompt?text=a guarded stool&textured=false&max_triangles=500';`,
        'console.log(stool, low);',
      ].join('\n'),
    });
    const server = await dev(root);
    const main = await get(server, 'main.js');
    const [plain, low] = [...main.body.matchAll(/from "(\/[^"]*@id\/__x00__meshy:[^"]+)"/g)].map((match) => match[1]!);
    const pending = readModule((await get(server, plain!)).body);
    await server.waitFor(isEvent('meshy:done', pending.meta.key));
    // Both variants of the project are made (the second may still be optimizing when the first is done).
    const optimized = join(root, '.meshy/optimized');
    const ready = async () => {
      const served = [readModule((await get(server, plain!)).body), readModule((await get(server, low!)).body)];
      const names = await readdir(optimized);
      return served.every((module) => module.meta.status === 'ready' && names.includes(module.url.split('/').at(-1)!.replace('.glb', '.json')));
    };
    for (let tries = 0; !(await ready()) && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await ready()).toBe(true);
    const files = await readdir(optimized);
    const requests = emulator.stats().requests;

    const crossSite = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', referer: 'https://evil.example/' };
    for (const triangles of [100, 200, 300]) {
      const attack = `/@id/__x00__meshy:prompt?text=a%20guarded%20stool&textured=false&max_triangles=${triangles}`;
      const { status, body } = await get(server, attack, crossSite);
      expect(status, attack).toBeGreaterThanOrEqual(400);
      expect(body).not.toContain('export default');
      expect(body).toMatch(
        /Refused to make a new optimized variant of \\?"a guarded stool\\?": no file of this project imports \\?"meshy:prompt\?max_triangles=\d+&/,
      );
    }
    const texture = await get(server, '/@id/__x00__meshy:prompt?text=a%20guarded%20stool&textured=false&texture_format=png&max_texture_size=64');
    expect(texture.status).toBeGreaterThanOrEqual(400);
    expect(await readdir(optimized)).toEqual(files);

    // What the project imports is served, under any spelling (another file name is the same variant),
    // and so is a stored model without overrides: its one optimized file already exists.
    for (const path of [
      '/@id/__x00__meshy:prompt?text=a%20guarded%20stool&textured=false&max_triangles=500&name=other',
      '/@id/__x00__meshy:prompt?textured=0&text=a%20guarded%20stool&name=elsewhere',
    ]) {
      const { status, body } = await get(server, path);
      expect(status, path).toBe(200);
      expect(readModule(body).meta.status).toBe('ready');
    }
    expect(await readdir(optimized)).toEqual(files);
    expect(emulator.stats().requests).toBe(requests);
  });

  it('prints no terminal escapes from a request: a prompt with ANSI sequences is refused, and the log is plain text', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `console.log('no models');` });
    const server = await dev(root);
    const before = emulator.stats().tasksCreated;
    for (const path of [
      '/@id/__x00__meshy:prompt?text=%1B%5B2J%1B%5B31mYOU%20HAVE%20BEEN%20HACKED%1B%5B0m',
      '/@id/meshy:prompt?text=a%20lamp&name=%1B%5D0;title%07',
      `/@id/__x00__meshy:prompt?text=${'a'.repeat(200_000)}`,
      '/@id/__x00__meshy:%1B%5B2Jprompt?text=x',
    ]) {
      const { status } = await get(server, path);
      expect(status).toBeGreaterThanOrEqual(400);
    }
    const printed = server.logs.join('\n');
    expect(printed).toMatch(/text: contains a control character \(U\+001B at character 1\)/);
    expect(withoutHostColours(printed)).not.toMatch(/(?![\n])\p{Cc}/u);
    expect(printed).not.toMatch(/a{300}/);
    expect(emulator.stats().tasksCreated).toBe(before);
  });
});
