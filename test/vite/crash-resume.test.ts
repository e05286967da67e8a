import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import { type Emulator, type FaultsConfig, startEmulator } from '../../src/emulator/index.js';
import { ensureDistBuilt } from '../helpers/dist.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * A build is SIGKILLed at several points of a generation; the next build must resume the same Meshy
 * tasks (none created twice) and the store must hold only complete, valid files.
 */
const API_KEY = 'msy_crash_test_key_0001';
const CHILD = join(import.meta.dirname, '../helpers/build-child.mjs');
const tempDir = useTempDirs();
let emulator: Emulator;
let stallsBefore = 0;
let killNow: (() => void) | undefined;

beforeAll(async () => {
  ensureDistBuilt();
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 1200, queueDelayMs: 100 });
}, 120_000);
afterAll(() => emulator.close());

function runBuild(root: string): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> } {
  const options = { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), lockStaleMs: 2000 };
  const child = spawn(process.execPath, [CHILD, root, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, done };
}

function tasksFor(prompt: string) {
  return emulator.tasks().filter((task) => task.prompt === prompt) as { id: string; type: string; status: string; progress: number }[];
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Every stored model is complete and is the file its name says; the manifest parses. */
async function expectCompleteStore(root: string): Promise<number> {
  const dir = join(root, '.meshy');
  let files = 0;
  for (const name of await readdir(join(dir, 'raw')).catch(() => [] as string[])) {
    // A sidecar (the entry `repair` restores) parses and names its raw file.
    if (name.endsWith('.json')) {
      expect(JSON.parse(await readFile(join(dir, 'raw', name), 'utf8')).files.glb.sha256).toBe(name.slice(0, -'.json'.length));
      continue;
    }
    const bytes = new Uint8Array(await readFile(join(dir, 'raw', name)));
    expect(() => assertGlb(bytes)).not.toThrow();
    expect(`${createHash('sha256').update(bytes).digest('hex')}.glb`).toBe(name);
    files++;
  }
  for (const name of (await readdir(join(dir, 'optimized')).catch(() => [] as string[])).filter((n) => n.endsWith('.glb'))) {
    const bytes = new Uint8Array(await readFile(join(dir, 'optimized', name)));
    expect(() => assertGlb(bytes)).not.toThrow();
    files++;
  }
  const manifest = await readFile(join(dir, 'manifest.json'), 'utf8').catch(() => undefined);
  if (manifest) expect(() => JSON.parse(manifest)).not.toThrow();
  return files;
}

const scenarios: { name: string; killWhen: (prompt: string, root?: string) => () => boolean; faults?: FaultsConfig }[] = [
  { name: 'right after the preview task is created', killWhen: (prompt) => () => tasksFor(prompt).length >= 1 },
  { name: 'while following the preview (mid-poll)', killWhen: (prompt) => () => tasksFor(prompt).some((t) => t.status === 'IN_PROGRESS' && t.progress >= 20) },
  { name: 'right after the refine task is created', killWhen: (prompt) => () => tasksFor(prompt).length >= 2 },
  {
    // A slow CDN holds the download after its first kilobyte, so the kill lands inside it.
    name: 'mid-download',
    faults: { requests: [{ kind: 'download-stall', path: '/assets/*', afterBytes: 1024, stallMs: 20_000 }] },
    killWhen: () => () => (emulator.stats().faultsInjected['download-stall'] ?? 0) > stallsBefore,
  },
  {
    // The first temp file after the result's download is the raw GLB being written (then renamed).
    name: 'mid-write of the result',
    killWhen: (_prompt, root) => {
      const downloadsBefore = emulator.stats().downloads;
      let writing = false;
      const tmp = join(root!, '.meshy/tmp');
      mkdirSync(tmp, { recursive: true });
      const watcher = watch(tmp, (_event, name) => {
        if (name?.endsWith('.tmp') && emulator.stats().downloads > downloadsBefore) {
          killNow?.(); // at once, not at the next poll: the write lasts milliseconds
          writing = true;
          watcher.close();
        }
      });
      return () => writing;
    },
  },
  {
    name: 'as the refine succeeds (around the download)',
    killWhen: (prompt) => () => tasksFor(prompt).some((t) => t.type === 'text-to-3d-refine' && t.status === 'SUCCEEDED'),
  },
];

describe('a build killed mid-generation', () => {
  it.each(scenarios)('resumes without paying twice when killed $name', async ({ name, killWhen, faults }) => {
    const root = await tempDir();
    const prompt = `a crash-tested anvil, killed ${name}`;
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}';\nconsole.log(url);` });

    stallsBefore = emulator.stats().faultsInjected['download-stall'] ?? 0;
    if (faults) emulator.setFaults(faults);
    const first = runBuild(root);
    killNow = () => first.child.kill('SIGKILL');
    const condition = killWhen(prompt, root);
    await Promise.race([waitFor(condition), first.done]);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    emulator.setFaults({});
    expect(killed.signal, `the build finished before it could be killed:\n${killed.output}`).toBe('SIGKILL');
    await expectCompleteStore(root);

    const second = await runBuild(root).done;
    expect(second.output).toContain('BUILD_OK');
    const tasks = tasksFor(prompt);
    expect(tasks.map((t) => t.type).sort()).toEqual(['text-to-3d-preview', 'text-to-3d-refine']);
    expect(await expectCompleteStore(root)).toBeGreaterThanOrEqual(2);
    expect(await readdir(join(root, '.meshy/journal')).catch(() => [])).toEqual([]);
  });
});

describe('two builds at once on one project', () => {
  it('create each task once and both succeed', async () => {
    const root = await tempDir();
    const prompt = 'a lantern two builds want at once';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}';\nconsole.log(url);` });
    const [a, b] = await Promise.all([runBuild(root).done, runBuild(root).done]);
    expect(a.output).toContain('BUILD_OK');
    expect(b.output).toContain('BUILD_OK');
    expect(
      tasksFor(prompt)
        .map((t) => t.type)
        .sort(),
    ).toEqual(['text-to-3d-preview', 'text-to-3d-refine']);
    expect(await expectCompleteStore(root)).toBeGreaterThanOrEqual(2);
    const manifest = JSON.parse(await readFile(join(root, '.meshy/manifest.json'), 'utf8'));
    expect(Object.keys(manifest.entries)).toHaveLength(1);
  });
});
