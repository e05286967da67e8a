import { readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStamp } from '../../src/cache/stamp.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { modelUnchanged, openWarmSession, readWarmRecord, type WarmRecord, warmFingerprint, writeWarmRecord } from '../../src/vite/warm.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { validateGlb } from '../helpers/validate.js';
import { isEvent, readModule, startDevServer } from './dev-helpers.js';

/**
 * The warm record (src/vite/warm.ts): a build of cached models serves them from it, and anything it
 * cannot vouch for (another option, a touched store file, an import it does not list) takes the
 * project's full path, which checks the store as always.
 */
const API_KEY = 'msy_warm_record_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 10 });
});
afterAll(() => emulator.close());

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), ...extra };
}

const recordPath = (root: string) => join(root, 'node_modules/.vite/vite-plugin-meshy/warm-build-production.json');
const readRecord = async (root: string) => JSON.parse(await readFile(recordPath(root), 'utf8')) as WarmRecord;

function glbs(assets: Map<string, Uint8Array>): Uint8Array[] {
  return [...assets].filter(([name]) => name.endsWith('.glb')).map(([, bytes]) => bytes);
}

/** A project whose model a first build generated (and recorded). */
async function recordedProject(prompt: string) {
  const root = await tempDir();
  await writeProject(root, {
    'package.json': '{ "private": true, "type": "module" }', // Vite's cacheDir: node_modules/.vite
    'main.js': `import url, { meta } from 'meshy:prompt?text=${prompt}&textured=false';\nconsole.log(url, meta.label);`,
  });
  const first = await buildProject(root, pluginOptions(root));
  const record = await readRecord(root);
  return { root, shipped: glbs(first.assets), record };
}

/** Marks the record's one model, so a build shows whether it served it from the record. */
async function markRecord(root: string): Promise<void> {
  const record = await readRecord(root);
  for (const model of Object.values(record.models)) model.meta = { ...model.meta, label: 'served-from-the-record' };
  await writeFile(recordPath(root), JSON.stringify(record));
}

describe('the warm record, through vite build', () => {
  it('lists what a build served, and the next build serves it from the record: the same asset, no Meshy request', async () => {
    const { root, shipped, record } = await recordedProject('a carved chess rook');
    expect(Object.keys(record.ids)).toEqual(['meshy:prompt?text=a carved chess rook&textured=false']);
    const [model] = Object.values(record.models);
    expect(model!.files.map(([path]) => path.slice(root.length))).toEqual([
      expect.stringMatching(/^\/\.meshy\/optimized\/\w+\.glb$/),
      expect.stringMatching(/^\/\.meshy\/optimized\/\w+\.json$/),
      expect.stringMatching(/^\/\.meshy\/raw\/\w+\.glb$/),
    ]);
    expect(JSON.stringify(record)).not.toContain(API_KEY);

    await markRecord(root);
    const requests = emulator.stats().requests;
    const again = await buildProject(root, pluginOptions(root));
    expect(again.code).toContain('served-from-the-record');
    expect(glbs(again.assets)).toEqual(shipped);
    expect(emulator.stats().requests).toBe(requests);
  });

  it('is not used under other options, or once the manifest or a store file it was read from changed', async () => {
    const { root } = await recordedProject('a pewter goblet');
    await markRecord(root);
    expect((await buildProject(root, pluginOptions(root, { concurrency: 3 }))).code).not.toContain('served-from-the-record');

    await buildProject(root, pluginOptions(root)); // the other options' build replaced the record: this one records again
    await markRecord(root);
    expect((await buildProject(root, pluginOptions(root))).code).toContain('served-from-the-record');
    const manifest = join(root, '.meshy/manifest.json');
    await writeFile(manifest, await readFile(manifest)); // same bytes, another write
    expect((await buildProject(root, pluginOptions(root))).code).not.toContain('served-from-the-record');

    await markRecord(root);
    const [metaPath] = Object.values((await readRecord(root)).models)[0]!.files[1]!;
    await writeFile(metaPath, await readFile(metaPath));
    expect((await buildProject(root, pluginOptions(root))).code).not.toContain('served-from-the-record');
  });

  it('never ships a GLB damaged after it was recorded, even with its size and times put back', async () => {
    const { root, shipped, record } = await recordedProject('a cracked lantern');
    const glbPath = Object.values(record.models)[0]!.path;
    const { size, atime, mtime } = await stat(glbPath);
    await writeFile(glbPath, Buffer.alloc(size, 0x41));
    await utimes(glbPath, atime, mtime);
    const logs: string[] = [];
    const rebuilt = await buildProject(root, pluginOptions(root), { logs });
    expect(logs.join('\n')).toContain('is damaged');
    const [glb] = glbs(rebuilt.assets);
    expect(glb!.subarray(0, 4).toString()).toBe('glTF');
    expect((await validateGlb(glb!)).errors).toBe(0);
    expect(glbs(rebuilt.assets)).toEqual(shipped);
  });

  it('validates an import it does not list: a new invalid one fails the build before anything is paid', async () => {
    const { root } = await recordedProject('a bronze shield');
    await writeFile(
      join(root, 'main.js'),
      `import a from 'meshy:prompt?text=a bronze shield&textured=false';\nimport b from 'meshy:prompt?text=a spear&target_polycount=many';\nconsole.log(a, b);`,
    );
    const tasks = emulator.stats().tasksCreated;
    await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/1 invalid Meshy import[\s\S]*target_polycount/);
    expect(emulator.stats().tasksCreated).toBe(tasks);
  });
});

describe('the warm record, in the dev server', () => {
  it('a dev server started over its record serves the recorded model from it, and still generates a new import with HMR', async () => {
    const { root } = await recordedProject('a tin robot');
    const serveRecord = join(root, 'node_modules/.vite/vite-plugin-meshy/warm-serve-development.json');
    const visit = async (server: Awaited<ReturnType<typeof startDevServer>>, file = 'main.js') => {
      const main = await (await fetch(new URL(file, server.url))).text();
      const paths = [...main.matchAll(/from "(\/[^"]*@id\/__x00__meshy:[^"]+)"/g)].map((match) => match[1]!);
      return Promise.all(paths.map(async (path) => ({ path, ...readModule(await (await fetch(new URL(path, server.url))).text()) })));
    };
    const first = await startDevServer(root, pluginOptions(root));
    const [served] = await visit(first);
    expect(served!.meta.status).toBe('ready');
    await first.close(); // writes the dev server's record
    const record = JSON.parse(await readFile(serveRecord, 'utf8')) as WarmRecord;
    for (const model of Object.values(record.models)) model.meta = { ...model.meta, prompt: 'served-from-the-record' };
    await writeFile(serveRecord, JSON.stringify(record));

    const second = await startDevServer(root, pluginOptions(root));
    try {
      expect((await visit(second))[0]!.meta.prompt).toBe('served-from-the-record');
      const tasks = emulator.stats().tasksCreated;
      await writeFile(
        join(root, 'more.js'),
        `import robot from 'meshy:prompt?text=a tin robot&textured=false';\nimport dog from 'meshy:prompt?text=a tin dog&textured=false';\nconsole.log(robot, dog);`,
      );
      const [, added] = await visit(second, 'more.js');
      expect(added!.meta.status).toBe('pending');
      await second.waitFor(isEvent('meshy:done', added!.meta.key));
      expect(emulator.stats().tasksCreated - tasks).toBe(1);
      const [, ready] = await visit(second, 'more.js');
      expect(ready!.meta.status).toBe('ready');
    } finally {
      await second.close();
    }
  });
});

describe('the warm record, its parts', () => {
  it('fingerprints plain data only', () => {
    expect(warmFingerprint({ options: { a: 1 } })).toMatch(/^[0-9a-f]{64}$/);
    expect(warmFingerprint({ options: { a: 1 } })).toBe(warmFingerprint({ options: { a: 1 } }));
    expect(warmFingerprint({ options: { a: 2 } })).not.toBe(warmFingerprint({ options: { a: 1 } }));
    expect(warmFingerprint({ options: { onLog: () => undefined } })).toBeUndefined();
  });

  it('reads a record only of its version and fingerprint, and ignores one that does not parse', async () => {
    const dir = await tempDir();
    const file = join(dir, 'warm.json');
    const record: WarmRecord = {
      version: 1,
      fingerprint: 'f1',
      manifest: 'm',
      configFiles: [],
      glue: { overlay: true, usesEmulator: false, emulatorByDefault: false, storeDir: dir },
      ids: {},
      models: {},
    };
    await writeWarmRecord(file, record);
    expect(await readWarmRecord(file, 'f1')).toEqual(record);
    expect(await readWarmRecord(file, 'f2')).toBeUndefined();
    await writeFile(file, JSON.stringify({ ...record, version: 2 }));
    expect(await readWarmRecord(file, 'f1')).toBeUndefined();
    await writeFile(file, '{"version":1,');
    expect(await readWarmRecord(file, 'f1')).toBeUndefined();
    expect(await readWarmRecord(join(dir, 'absent.json'), 'f1')).toBeUndefined();
  });

  it('vouches for a model only while each of its files has the stamp it was recorded with', async () => {
    const dir = await tempDir();
    const file = join(dir, 'model.glb');
    await writeFile(file, 'glTF');
    const model = {
      name: 'm',
      variant: 'v',
      key: 'k',
      path: file,
      meta: {} as never,
      manifest: 'm',
      files: [[file, (await fileStamp(file))!]] as [string, string][],
    };
    expect(await modelUnchanged(model)).toBe(true);
    await writeFile(file, 'glTF');
    expect(await modelUnchanged(model)).toBe(false);
    expect(await modelUnchanged({ ...model, files: [] })).toBe(false);
  });

  it('a session writes the record only when it learned something, and a build keeps only what it served', async () => {
    const dir = await tempDir();
    const manifestPath = join(dir, 'manifest.json');
    const served = join(dir, 'served.glb');
    await writeFile(manifestPath, '{}');
    await writeFile(served, 'glTF');
    const file = join(dir, 'warm.json');
    const glue = { overlay: true, usesEmulator: false, emulatorByDefault: false, storeDir: dir };
    const first = openWarmSession({ file, fingerprint: 'f', record: undefined, manifestPath, isBuild: true });
    first.rememberId('meshy:a', '\0meshy:a');
    first.rememberId('meshy:b', '\0meshy:b');
    await first.rememberModel('\0meshy:a', { name: 'a', variant: 'v', key: 'k', path: served, meta: {} as never }, [served]);
    await first.save(glue, []);
    const record = (await readWarmRecord(file, 'f'))!;
    expect(Object.keys(record.ids)).toEqual(['meshy:a', 'meshy:b']);
    expect(Object.keys(record.models)).toEqual(['\0meshy:a']);

    const second = openWarmSession({ file, fingerprint: 'f', record, manifestPath, isBuild: true });
    expect(second.covers(['meshy:a', 'meshy:b'])).toBe(true);
    expect(second.covers(['meshy:a', 'meshy:c'])).toBe(false);
    expect(second.resolvedIdOf('meshy:a')).toBe('\0meshy:a');
    expect(second.resolvedIdOf('meshy:b')).toBe('\0meshy:b');
    expect(second.model('\0meshy:a')?.path).toBe(served);
    const written = await fileStamp(file);
    await second.save(glue, []);
    expect(await fileStamp(file)).toBe(written); // it learned nothing: not written

    const third = openWarmSession({ file, fingerprint: 'f', record, manifestPath, isBuild: true });
    expect(third.resolvedIdOf('meshy:a')).toBe('\0meshy:a');
    await writeFile(served, 'glTF!'); // changed since it was recorded: not served, and dropped
    expect(third.model('\0meshy:a')).toBeUndefined();
    await third.save(glue, []);
    const last = (await readWarmRecord(file, 'f'))!;
    expect(Object.keys(last.ids)).toEqual(['meshy:a']); // the build used only a
    expect(last.models).toEqual({});
  });
});
