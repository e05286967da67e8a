import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { type DevServer, isEvent, readModule, startDevServer } from './dev-helpers.js';

/**
 * `https://` inputs are handed to Meshy as written. Vite's own resolver takes an id holding `://`
 * for an external URL: unless the plugin resolves `meshy:` ids first, a build leaves the import in
 * the bundle (exit 0, a broken page) and dev mangles the URL to `https:/…`.
 */

const API_KEY = 'msy_https_inputs_test_key_0007';
const IMAGE = 'https://assets.example.com/concepts/chair.png';
const TEXTURE = 'https://assets.example.com/textures/oak.png?v=2';
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

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), optimize: { preset: 'web', workers: 1 }, ...extra };
}

/** The emulator's tasks created since `since` (a count of tasks), as GET shows them. */
function tasksSince(since: number): Record<string, unknown>[] {
  return emulator.tasks().slice(since);
}

describe('https:// inputs', () => {
  it('build: src and texture_image_url reach Meshy as written, and the bundle holds the model, not the import', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import chair from 'meshy:image?src=${IMAGE}&texture_image_url=${TEXTURE.replace('?', '%3F').replace('=', '%3D')}';`,
        `import lamp from 'meshy:prompt?text=an https lamp&texture_image_url=${TEXTURE.replace('?', '%3F').replace('=', '%3D')}';`,
        'console.log(chair, lamp);',
      ].join('\n'),
    });
    const before = emulator.tasks().length;
    const { assets, code } = await buildProject(root, pluginOptions(root));

    expect(code).not.toMatch(/from\s*["']meshy:/);
    expect(code).not.toContain('https://assets.example.com');
    const glbs = [...assets.keys()].filter((name) => name.endsWith('.glb'));
    expect(glbs).toEqual(expect.arrayContaining([expect.stringMatching(/^assets\/chair-[\w-]{8}\.glb$/), expect.stringMatching(/^assets\/an-https-lamp-/)]));
    const tasks = tasksSince(before);
    expect(tasks.find((task) => task.type === 'image-to-3d')).toMatchObject({ status: 'SUCCEEDED', texture_image_url: TEXTURE });
    expect(tasks.find((task) => task.type === 'text-to-3d-refine')).toMatchObject({ status: 'SUCCEEDED', texture_image_url: TEXTURE });
  });

  it('dev: the emulator receives the https URL intact, and the model is served', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import chair, { meta } from 'meshy:image?src=${IMAGE}&texture_image_url=${TEXTURE.replace('?', '%3F').replace('=', '%3D')}&should_remesh=true';\nconsole.log(chair, meta);`,
    });
    const server = await startDevServer(root, pluginOptions(root));
    servers.push(server);
    const before = emulator.tasks().length;
    const main = await (await fetch(new URL('main.js', server.url))).text();
    const path = /from "(\/[^"]*@id\/__x00__meshy:image[^"]+)"/.exec(main)?.[1];
    expect(path).toBeTruthy();
    const response = await fetch(new URL(path!, server.url));
    expect(response.status).toBe(200);
    const pending = readModule(await response.text());
    expect(pending.meta.status).toBe('pending');

    await server.waitFor(isEvent('meshy:done', pending.meta.key));
    const [task] = tasksSince(before);
    expect(task).toMatchObject({ type: 'image-to-3d', status: 'SUCCEEDED', texture_image_url: TEXTURE });
    expect(server.logs.join('\n')).not.toMatch(/https:\/[^/]/);
    const ready = readModule(await (await fetch(new URL(path!, server.url))).text());
    expect(ready.meta.status).toBe('ready');
  });
});
