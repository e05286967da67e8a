import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { validateGlb } from '../helpers/validate.js';
import { type DevServer, isEvent, readModule, startDevServer } from './dev-helpers.js';

const API_KEY = 'msy_dev_server_test_key_0042';
const tempDir = useTempDirs();
let emulator: Emulator;
const servers: DevServer[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 600, queueDelayMs: 20 });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((dev) => dev.close()));
});

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), optimize: { preset: 'web', workers: 1 }, ...extra };
}

async function dev(root: string, extra: MeshyPluginOptions = {}, base?: string): Promise<DevServer> {
  const started = await startDevServer(root, pluginOptions(root, extra), base ? { base } : {});
  servers.push(started);
  return started;
}

async function text(url: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** Loads the importer like a browser would, and returns the URLs of the `meshy:` modules it imports. */
async function importsOf(server: DevServer, file: string): Promise<string[]> {
  const { status, body } = await text(new URL(file, server.url).href);
  expect(status).toBe(200);
  return [...body.matchAll(/from "(\/[^"]*@id\/__x00__meshy:[^"]+)"/g)].map((match) => match[1]!);
}

async function loadModule(server: DevServer, path: string) {
  const { status, body } = await text(new URL(path, server.url).href);
  if (status !== 200) throw new Error(`${path}: ${status} ${body.slice(0, 300)}`);
  return { code: body, ...readModule(body) };
}

describe('vite dev with meshy: imports', () => {
  it('answers at once with a placeholder, then swaps in the preview and the final model through HMR', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import lamp, { meta } from 'meshy:prompt?text=a brass oil lamp';\nconsole.log(lamp, meta);` });
    const server = await dev(root);
    const before = emulator.stats().tasksCreated;
    const [path] = await importsOf(server, 'main.js');

    const first = await loadModule(server, path!);
    expect(first.meta.status).toBe('pending');
    expect(first.url).toMatch(/^\/@meshy\/[0-9a-f]{64}\.glb$/);
    expect(first.code).toContain('import.meta.hot.accept');
    const placeholder = await fetch(new URL(first.url, server.url));
    expect(placeholder.status).toBe(200);
    expect(placeholder.headers.get('content-type')).toBe('model/gltf-binary');
    expect(placeholder.headers.get('cache-control')).toContain('immutable');
    expect((await validateGlb(new Uint8Array(await placeholder.arrayBuffer()))).errors).toBe(0);

    const key = first.meta.key;
    await server.waitFor(isEvent('meshy:progress', key));
    const preview = await server.waitFor(isEvent('meshy:preview', key));
    const done = await server.waitFor(isEvent('meshy:done', key));
    // Each swap is an HMR update of the module itself (it accepts, then hands over to listeners or its importers).
    const updates = server.messages.filter((message) => message.type === 'update');
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.every((message) => message.type === 'update' && message.updates.every((update) => update.path.includes('meshy:prompt')))).toBe(true);
    expect(server.messages.some((message) => message.type === 'full-reload')).toBe(false);

    const final = await loadModule(server, path!);
    expect(final.meta.status).toBe('ready');
    expect(final.url).toBe((done as { data: { url: string } }).data.url);
    expect(final.url).not.toBe(first.url);
    expect((preview as { data: { url: string } }).data.url).not.toBe(final.url);
    const model = await fetch(new URL(final.url, server.url));
    expect(model.headers.get('content-type')).toBe('model/gltf-binary');
    expect((await validateGlb(new Uint8Array(await model.arrayBuffer()))).errors).toBe(0);
    expect(emulator.stats().tasksCreated - before).toBe(2); // preview + refine, once

    // The terminal got one line per stage with prompt, stage and elapsed time; the key is nowhere.
    expect(server.logs.join('\n')).toMatch(/"a brass oil lamp" preview .*\(\d+s\)/);
    for (const text of [JSON.stringify(server.messages), server.logs.join('\n'), final.code]) expect(text).not.toContain(API_KEY);
  });

  it('an image import regenerates when its image file is edited; text-to-image serves a PNG', async () => {
    const root = await tempDir();
    const png = (r: number) =>
      sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g: 60, b: 60 } } })
        .png()
        .toBuffer();
    await writeProject(root, {
      'art/vase.png': '',
      'main.js': `import vase, { meta } from 'meshy:image?src=./art/vase.png&should_texture=false';\nimport sky from 'meshy:text-to-image?text=a dev sky';\nconsole.log(vase, meta, sky);`,
    });
    await writeFile(join(root, 'art/vase.png'), await png(200));
    const server = await dev(root);
    const before = emulator.stats().tasksCreated;
    const [vasePath, skyPath] = await importsOf(server, 'main.js');
    const first = await loadModule(server, vasePath!);
    expect(first.meta).toMatchObject({ status: 'pending', kind: 'image' });
    const sky = await loadModule(server, skyPath!);
    expect(sky.url).toMatch(/^\/@meshy\/[0-9a-f]{64}\.png$/);
    await server.waitFor(isEvent('meshy:done', first.meta.key));
    await server.waitFor(isEvent('meshy:done', sky.meta.key));
    const image = await fetch(new URL((await loadModule(server, skyPath!)).url, server.url));
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).format).toBe('png');
    expect(emulator.stats().tasksCreated - before).toBe(2);

    // The edited image is a new request: its module reloads and a new task starts.
    await writeFile(join(root, 'art/vase.png'), await png(20));
    await server.waitFor((message) => message.type === 'update' && message.updates.some((update) => update.path.includes('meshy:image')), 10_000);
    const edited = await loadModule(server, vasePath!);
    expect(edited.meta.key).not.toBe(first.meta.key);
    await server.waitFor(isEvent('meshy:done', edited.meta.key));
    expect(emulator.stats().tasksCreated - before).toBe(3);
  });

  it('serves cached models from disk with caching headers (ETag, 304, HEAD) and answers 404 for unknown files', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import pot from 'meshy:prompt?text=a clay pot&textured=false';\nconsole.log(pot);` });
    const first = await dev(root, {}, '/game/');
    const [path] = await importsOf(first, 'main.js');
    expect(path).toMatch(/^\/game\//);
    const pending = await loadModule(first, path!);
    await first.waitFor(isEvent('meshy:done', pending.meta.key));
    await first.close();
    servers.splice(0);

    // A new server: the model is cached, so the first answer is the real one, and no request reaches Meshy.
    const requests = emulator.stats().requests;
    const server = await dev(root, {}, '/game/');
    const cached = await loadModule(server, (await importsOf(server, 'main.js'))[0]!);
    expect(cached.meta.status).toBe('ready');
    expect(cached.url).toMatch(/^\/game\/@meshy\/[0-9a-f]{64}\.glb$/);
    const response = await fetch(new URL(cached.url, server.url));
    const etag = response.headers.get('etag');
    const bytes = new Uint8Array(await response.arrayBuffer());
    const name = cached.url.split('/').at(-1)!;
    expect(Buffer.compare(bytes, await readFile(join(root, '.meshy/optimized', name)))).toBe(0);
    expect(etag).toBeTruthy();
    expect((await fetch(new URL(cached.url, server.url), { headers: { 'if-none-match': etag! } })).status).toBe(304);
    const head = await fetch(new URL(cached.url, server.url), { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect((await fetch(new URL(`/game/@meshy/${'0'.repeat(64)}.glb`, server.url))).status).toBe(404);
    expect(emulator.stats().requests).toBe(requests);
  });

  it('refuses to generate a prompt that no project file imports, whatever URL a browser asks for', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import ok from 'meshy:prompt?text=a harmless stool&textured=false';\nconsole.log(ok);`,
      // A dependency's import is not the project's: it does not unlock generation either.
      'node_modules/some-dep/index.js': `import x from 'meshy:prompt?text=a dependency asks for gold';\nexport default x;`,
    });
    const server = await dev(root);
    await importsOf(server, 'main.js');
    await text(new URL('/node_modules/some-dep/index.js', server.url).href);
    await server.waitFor(isEvent('meshy:done')); // the stool, which main.js does import
    const before = emulator.stats();
    const attacks = [
      '/@id/__x00__meshy:prompt?text=a%20pile%20of%20gold%20coins',
      '/@id/meshy:prompt?text=a%20pile%20of%20gold%20coins',
      '/@id/__x00__meshy:prompt?text=a%20dependency%20asks%20for%20gold',
    ];
    for (const attack of attacks) {
      const { status, body } = await text(new URL(attack, server.url).href);
      expect(status, attack).toBeGreaterThanOrEqual(400);
      expect(body, attack).not.toContain('export default');
      expect(body, attack).toMatch(/Refused to generate \\?"a (pile of gold coins|dependency asks for gold)\\?": no file of this project imports/);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = emulator.stats();
    expect(after.tasksCreated).toBe(before.tasksCreated);
    expect(after.creditsCharged).toBe(before.creditsCharged);
  });

  it("a failed generation keeps its placeholder and reports Meshy's error to the terminal and the browser", async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import idol from 'meshy:prompt?text=a cursed idol [emulator:fail]&textured=false';\nconsole.log(idol);` });
    const server = await dev(root);
    const [path] = await importsOf(server, 'main.js');
    const pending = await loadModule(server, path!);
    const error = await server.waitFor(isEvent('meshy:error', pending.meta.key));
    expect((error as { data: { error: string; status: string } }).data).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/could not generate "a cursed idol/),
    });
    // The stage that failed, not `failed` (the overlay said `failed failed`).
    expect((error as { data: { stage: string } }).data.stage).not.toBe('failed');
    expect(server.logs.join('\n')).toMatch(/"a cursed idol \[emulator:fail\]" failed; its placeholder stays/);
    expect(server.messages.some((message) => message.type === 'update' || message.type === 'full-reload')).toBe(false);
    const again = await loadModule(server, path!);
    expect(again.meta.status).toBe('pending');
    expect(again.url).toBe(pending.url);
  });

  it('an edited prompt starts the new generation; the old one finishes into the cache without touching the page', async () => {
    // Tasks slow enough that the old generation is still running when the edit lands.
    const slow = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 2000, queueDelayMs: 20 });
    const root = await tempDir();
    const main = join(root, 'main.js');
    await writeProject(root, { 'main.js': `import cup from 'meshy:prompt?text=a tin cup&textured=false';\nconsole.log(cup);` });
    const server = await dev(root, { apiBase: slow.url });
    const [oldPath] = await importsOf(server, 'main.js');
    const old = await loadModule(server, oldPath!);
    await server.waitFor(isEvent('meshy:progress', old.meta.key));

    await writeFile(main, `import cup from 'meshy:prompt?text=a silver goblet&textured=false';\nconsole.log(cup);`);
    let newPath: string | undefined;
    for (let tries = 0; !newPath && tries < 100; tries++) {
      const [path] = await importsOf(server, 'main.js');
      if (path?.includes('goblet')) newPath = path;
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(newPath).toBeTruthy();
    const mark = server.messages.length;
    const fresh = await loadModule(server, newPath!);
    expect(fresh.meta.status).toBe('pending');

    await server.waitFor(isEvent('meshy:done', old.meta.key));
    await server.waitFor(isEvent('meshy:done', fresh.meta.key));
    expect(server.messages.findIndex(isEvent('meshy:done', old.meta.key))).toBeGreaterThan(mark);
    const after = server.messages.slice(mark);
    expect(after.some((message) => message.type === 'full-reload')).toBe(false);
    const updated = after.flatMap((message) => (message.type === 'update' ? message.updates.map((update) => update.path) : []));
    expect(updated.some((path) => path.includes('tin'))).toBe(false);
    expect(updated.some((path) => path.includes('goblet'))).toBe(true);
    // The old model was paid for: it is cached, and served as ready if imported again.
    expect((await loadModule(server, oldPath!)).meta.status).toBe('ready');
    expect(slow.stats().tasksCreated).toBe(2);
    await server.close();
    servers.splice(0);
    await slow.close();
  });

  it('a restarted dev server resumes the tasks already submitted instead of paying for new ones', async () => {
    const slow = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 2500, queueDelayMs: 20 });
    try {
      const root = await tempDir();
      await writeProject(root, { 'main.js': `import bell from 'meshy:prompt?text=a bronze bell&textured=false';\nconsole.log(bell);` });
      const options = { apiBase: slow.url };
      const first = await dev(root, options);
      const pending = await loadModule(first, (await importsOf(first, 'main.js'))[0]!);
      await first.waitFor(
        (message) => isEvent('meshy:progress', pending.meta.key)(message) && (message as { data: { status: string } }).data.status === 'IN_PROGRESS',
      );
      expect(slow.stats().tasksCreated).toBe(1);
      await first.close();
      servers.splice(0);

      const second = await dev(root, options);
      const again = await loadModule(second, (await importsOf(second, 'main.js'))[0]!);
      expect(again.meta.status).toBe('pending');
      await second.waitFor(isEvent('meshy:done', pending.meta.key));
      expect((await loadModule(second, (await importsOf(second, 'main.js'))[0]!)).meta.status).toBe('ready');
      expect(slow.stats().tasksCreated).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('injects the progress overlay in dev unless `overlay: false`', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `console.log('no models');` });
    const server = await dev(root);
    const html = await text(server.url);
    const src = /src="([^"]*meshy-overlay)"/.exec(html.body)?.[1];
    expect(src).toBeTruthy();
    const overlay = await text(new URL(src!, server.url).href);
    expect(overlay.status).toBe(200);
    expect(overlay.body).toContain("hot.on('meshy:progress'");
    await server.close();
    servers.splice(0);

    const quiet = await dev(root, { overlay: false });
    expect((await text(quiet.url)).body).not.toContain('meshy-overlay');
  });
});
