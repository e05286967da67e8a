import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repair } from '../../src/cli/commands.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { createProject } from '../../src/project/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { validateGlb } from '../helpers/validate.js';

/**
 * Real `vite build`s over a store that was damaged between builds: a model that was paid for is
 * never paid for again without being asked, and a damaged file is never shipped.
 */
const API_KEY = 'msy_integrity_test_key_0001';
const LFS_POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'f'.repeat(64)}\nsize 123456\n`;
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 150, queueDelayMs: 20 });
});
afterAll(() => emulator.close());

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), lockStaleMs: 2000, ...extra };
}

function emittedGlb(assets: Map<string, Uint8Array>): Uint8Array {
  const glbs = [...assets].filter(([name]) => name.endsWith('.glb'));
  expect(glbs).toHaveLength(1);
  return glbs[0]![1];
}

async function storeFiles(root: string, folder: 'raw' | 'optimized', ext: string): Promise<string[]> {
  return (await readdir(join(root, '.meshy', folder))).filter((name) => name.endsWith(ext)).map((name) => join(root, '.meshy', folder, name));
}

/** A project whose one model was generated (and paid for) by a first build. */
async function builtProject(prompt: string) {
  const root = await tempDir();
  await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${prompt}&textured=false';\nconsole.log(url);` });
  const first = await buildProject(root, pluginOptions(root));
  const [raw] = await storeFiles(root, 'raw', '.glb');
  const [optimized] = await storeFiles(root, 'optimized', '.glb');
  return { root, raw: raw!, optimized: optimized!, shipped: emittedGlb(first.assets) };
}

describe('a build over a damaged store', () => {
  it('raw file replaced by a Git LFS pointer, optimized copy gone: fails naming the model, the file, the cause and the ways out; pays nothing', async () => {
    const { root, raw, optimized } = await builtProject('an lfs-pointered lamp');
    await writeFile(raw, LFS_POINTER);
    await rm(optimized);
    const before = emulator.stats();
    const error = await buildProject(root, pluginOptions(root)).catch((e: Error) => e);
    const message = (error as Error).message;
    expect(message).toContain(`"an lfs-pointered lamp" was paid for (20 credits, Meshy task `);
    expect(message).toContain(`its raw file ${raw} cannot be used: this is a Git LFS pointer: run git lfs pull`);
    expect(message).toMatch(/npx vite-plugin-meshy regenerate <name>[\s\S]*remote store once one is configured/);
    expect(emulator.stats().tasksCreated).toBe(before.tasksCreated);
    expect(emulator.stats().requests).toBe(before.requests);
  });

  it('raw file truncated, optimized copy intact: ships the optimized copy with one warning; pays nothing', async () => {
    const { root, raw, shipped } = await builtProject('a truncated teapot');
    const bytes = await readFile(raw);
    await writeFile(raw, bytes.subarray(0, 1000));
    const before = emulator.stats().requests;
    const logs: string[] = [];
    const again = await buildProject(root, pluginOptions(root), { logs });
    expect(emittedGlb(again.assets)).toEqual(shipped);
    const warnings = logs.filter((line) => line.includes('cannot be used'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`"a truncated teapot": its raw file ${raw} cannot be used (truncated: 1000 of ${bytes.byteLength} bytes)`);
    expect(emulator.stats().requests).toBe(before);
  });

  it.each([
    ['truncated', (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1)],
    ['with a zeroed header', (bytes: Buffer) => Buffer.concat([Buffer.alloc(12), bytes.subarray(12)])],
    ['a PNG under its .glb name', () => Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000', 'hex')],
  ])('optimized file %s: rebuilt from raw with a warning, a valid GLB ships; pays nothing', async (_name, damage) => {
    const { root, optimized, shipped } = await builtProject(`a damaged-optimized vase ${_name.length}`);
    await writeFile(optimized, damage(Buffer.from(shipped)));
    const before = emulator.stats().requests;
    const logs: string[] = [];
    const again = await buildProject(root, pluginOptions(root), { logs });
    const bytes = emittedGlb(again.assets);
    expect((await validateGlb(bytes)).errors).toBe(0);
    expect(bytes.byteLength).toBe(shipped.byteLength);
    expect(logs.join('\n')).toMatch(/the optimized file .* is damaged \(.+\); making it again from the raw file/);
    expect(emulator.stats().requests).toBe(before);
  });

  it('a journal file with a created task id that no longer parses: an error naming it, never a new task', async () => {
    const root = await tempDir();
    const prompt = 'a half-journaled kite';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${prompt}&textured=false';\nconsole.log(url);` });
    // The journal a crashed build leaves once Meshy created its task, then broken by a hand edit or a bad merge.
    const project = createProject(pluginOptions(root), { root, env: {}, ci: false });
    const key = project.source.keyOf(project.parse(`meshy:prompt?text=${prompt}&textured=false`));
    await mkdir(join(root, '.meshy/journal'), { recursive: true });
    const path = join(root, '.meshy/journal', `${key}.json`);
    await writeFile(path, `{"version":1,"key":"${key}","label":"${prompt}","stages":[{"stage":"preview","state":"created","taskId":"lost-task-1"`);
    const before = emulator.stats();
    const error = await buildProject(root, pluginOptions(root)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(new RegExp(`journal ${path} does not parse .*names Meshy task lost-task-1.*no new task was created`));
    expect(emulator.stats().tasksCreated).toBe(before.tasksCreated);
    await project.close();
  });

  it('garbage in locks/ (a stale file at manifest.lock, a stale lock with junk in it): the build pays once and succeeds', async () => {
    const root = await tempDir();
    const prompt = 'a padlocked chest';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${prompt}&textured=false';\nconsole.log(url);` });
    const locks = join(root, '.meshy/locks');
    await mkdir(join(locks, 'junk.lock', 'inside'), { recursive: true });
    await writeFile(join(locks, 'manifest.lock'), 'stray');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(locks, 'manifest.lock'), past, past);
    const before = emulator.stats().tasksCreated;
    const built = await buildProject(root, pluginOptions(root));
    expect((await validateGlb(emittedGlb(built.assets))).errors).toBe(0);
    expect(emulator.stats().tasksCreated - before).toBe(1);
  });

  it('a git-conflicted manifest: the build fails pointing to `repair` and pays nothing; after `repair` it is a pure cache hit', async () => {
    const { root, shipped } = await builtProject('a conflicted compass');
    const manifest = join(root, '.meshy/manifest.json');
    const text = await readFile(manifest, 'utf8');
    await writeFile(manifest, `<<<<<<< HEAD\n${text}=======\n{ "version": 1, "entries": {} }\n>>>>>>> teammate\n`);
    const before = emulator.stats();
    const error = await buildProject(root, pluginOptions(root)).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/manifest .* is not valid JSON \(a merge conflict\?\): it has git conflict markers.*npx vite-plugin-meshy repair/);
    expect((error as Error).message).not.toMatch(/Fix or delete/);
    expect(emulator.stats().tasksCreated).toBe(before.tasksCreated);

    const project = createProject(pluginOptions(root), { root, env: {}, ci: false, logSink: { info() {}, warn() {}, error() {} } });
    const printed: string[] = [];
    expect(await repair(project, (line) => printed.push(line))).toBe(0);
    expect(printed.join('\n')).toMatch(/kept {6}1 intact entry/);
    await project.close();
    const again = await buildProject(root, pluginOptions(root));
    expect(emittedGlb(again.assets)).toEqual(shipped);
    expect(emulator.stats().requests).toBe(before.requests);
  });

  it('a lost manifest: `repair` restores it from the sidecars, and the next build pays nothing', async () => {
    const { root, shipped } = await builtProject('a forgotten flute');
    await rm(join(root, '.meshy/manifest.json'));
    const project = createProject(pluginOptions(root), { root, env: {}, ci: false, logSink: { info() {}, warn() {}, error() {} } });
    const printed: string[] = [];
    await repair(project, (line) => printed.push(line));
    expect(printed.join('\n')).toMatch(/restored {2}"a forgotten flute"/);
    await project.close();
    const before = emulator.stats().requests;
    const again = await buildProject(root, pluginOptions(root));
    expect(emittedGlb(again.assets)).toEqual(shipped);
    expect(emulator.stats().requests).toBe(before);
  });
});
