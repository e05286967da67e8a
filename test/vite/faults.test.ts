import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import { type Emulator, type FaultsConfig, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * Whole builds driven through each fault the emulator can inject. Everywhere the expected figures
 * are: tasks created = tasks the specs need, and zero corrupt files in the store.
 */
const API_KEY = 'msy_fault_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;
const table: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 300, queueDelayMs: 20 });
});
afterAll(async () => {
  await emulator.close();
  console.log(['| scenario | tasks created / needed | outcome | files in cache (corrupt) |', '|---|---|---|---|', ...table].join('\n'));
});

function pluginOptions(root: string, extra: MeshyPluginOptions = {}): MeshyPluginOptions {
  return { apiKey: API_KEY, apiBase: emulator.url, mode: 'generate', storeDir: join(root, '.meshy'), pollIntervalMs: 100, optimize: false, ...extra };
}

function tasksFor(prompt: string) {
  return emulator.tasks().filter((task) => task.prompt === prompt) as { id: string; type: string; status: string }[];
}

/** Counts the store's files, failing the test on any that is not complete and what its name says. */
async function storeFiles(root: string): Promise<number> {
  const dir = join(root, '.meshy/raw');
  // Sidecars (`<sha256>.json`, what `repair` restores the manifest from) are not models.
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => !name.endsWith('.json'));
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(join(dir, name)));
    expect(() => assertGlb(bytes)).not.toThrow();
    expect(`${createHash('sha256').update(bytes).digest('hex')}.glb`).toBe(name);
  }
  return names.length;
}

interface Scenario {
  name: string;
  faults: FaultsConfig;
  /** Fault names that must have fired. */
  fired: string[];
  textured?: boolean;
}

const recovering: Scenario[] = [
  { name: '429 RateLimitExceeded burst', faults: { requests: [{ kind: 'rate-limit', times: 4, retryAfterSeconds: 0 }] }, fired: ['rate-limit'] },
  {
    name: '429 NoMoreConcurrentTasks on create',
    faults: { requests: [{ kind: 'rate-limit', method: 'POST', message: 'NoMoreConcurrentTasks', times: 3, retryAfterSeconds: 0 }] },
    fired: ['rate-limit'],
  },
  {
    name: '500/502/503 on reads',
    faults: {
      requests: [500, 502, 503].map((status) => ({
        kind: 'server-error' as const,
        method: 'GET',
        path: '/openapi/v2/text-to-3d/*',
        status: status as 500 | 502 | 503,
      })),
    },
    fired: ['server-error'],
  },
  { name: '502 on create, task not made', faults: { requests: [{ kind: 'server-error', method: 'POST', status: 502 }] }, fired: ['server-error'] },
  {
    name: '502 on create, task made (answer lost)',
    faults: { requests: [{ kind: 'server-error', method: 'POST', status: 502, takesEffect: true }] },
    fired: ['server-error'],
  },
  { name: 'reset on create, task not made', faults: { requests: [{ kind: 'connection-reset', method: 'POST' }] }, fired: ['connection-reset'] },
  {
    name: 'reset on create, task made (answer lost)',
    faults: { requests: [{ kind: 'connection-reset', method: 'POST', takesEffect: true, skip: 1 }] },
    fired: ['connection-reset'],
  },
  { name: 'reset mid-download', faults: { requests: [{ kind: 'download-reset', afterBytes: 100 }] }, fired: ['download-reset'] },
  { name: 'truncated download', faults: { requests: [{ kind: 'truncated-download' }] }, fired: ['truncated-download'] },
  {
    name: 'corrupt download (HTML page, scrambled)',
    faults: {
      requests: [
        { kind: 'corrupt-download', body: 'html' },
        { kind: 'corrupt-download', body: 'scrambled' },
      ],
    },
    fired: ['corrupt-download'],
  },
  { name: 'SSE stream stalls', faults: { requests: [{ kind: 'stream-stall', stallMs: 800, afterEvents: 1 }] }, fired: ['stream-stall'] },
  {
    name: 'SSE stream drops',
    faults: {
      requests: [
        { kind: 'stream-drop', afterEvents: 2 },
        { kind: 'stream-drop', afterEvents: 1, graceful: true },
      ],
    },
    fired: ['stream-drop'],
  },
  { name: 'unknown extra fields', faults: { requests: [{ kind: 'extra-fields', times: 'always' }] }, fired: ['extra-fields'] },
  {
    name: 'null in fields the plugin does not read',
    faults: {
      requests: [
        { kind: 'extra-fields', times: 'always', fields: { progress: null, texture_urls: [null], task_error: { message: null }, thumbnail_url: null } },
      ],
    },
    fired: ['extra-fields'],
  },
  { name: 'SSE final events without asset URLs', faults: { requests: [{ kind: 'stream-bare-final', times: 2 }] }, fired: ['stream-bare-final'] },
  { name: 'SSE malformed event', faults: { requests: [{ kind: 'stream-malformed', afterEvents: 2 }] }, fired: ['stream-malformed'] },
  {
    name: 'create answer lost, task list with an odd item',
    faults: {
      requests: [
        { kind: 'server-error', method: 'POST', status: 502, takesEffect: true },
        { kind: 'odd-list-item', method: 'GET', path: '/openapi/v2/text-to-3d' },
      ],
    },
    fired: ['server-error', 'odd-list-item'],
  },
];

describe('builds through injected faults', () => {
  it.each(recovering)('$name: succeeds, each task created once, store intact', async ({ name, faults, fired, textured = true }) => {
    const root = await tempDir();
    const prompt = `fault test: ${name}`;
    await writeProject(root, {
      'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}${textured ? '' : '&textured=false'}';\nconsole.log(url);`,
    });
    const before = emulator.stats().faultsInjected;
    emulator.setFaults(faults);
    try {
      const { assets } = await buildProject(root, pluginOptions(root));
      expect([...assets.keys()].filter((file) => file.endsWith('.glb'))).toHaveLength(1);
    } finally {
      emulator.setFaults({});
    }
    const after = emulator.stats().faultsInjected;
    for (const fault of fired) expect(after[fault] ?? 0, `${fault} fired`).toBeGreaterThan(before[fault] ?? 0);
    const tasks = tasksFor(prompt);
    expect(tasks.map((task) => task.type).sort()).toEqual(['text-to-3d-preview', 'text-to-3d-refine']);
    const files = await storeFiles(root);
    expect(files).toBe(1);
    table.push(`| ${name} | ${tasks.length} / 2 | built | ${files} (0) |`);
  });

  it('a download that is always corrupt fails the build, caches nothing, and the rerun pays nothing new', async () => {
    const root = await tempDir();
    const prompt = 'fault test: always corrupt';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}';\nconsole.log(url);` });
    emulator.setFaults({ requests: [{ kind: 'corrupt-download', times: 'always', path: '/assets/*' }] });
    try {
      await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/Could not download .*model\.glb.*Not a valid GLB/);
    } finally {
      emulator.setFaults({});
    }
    expect(await storeFiles(root)).toBe(0);
    await buildProject(root, pluginOptions(root));
    expect(tasksFor(prompt)).toHaveLength(2);
    expect(await storeFiles(root)).toBe(1);
    table.push(`| download always corrupt, then rerun | 2 / 2 | failed, then built from the same tasks | 1 (0) |`);
  });

  it("a task that fails is refunded, reported with Meshy's message, and retried only when asked", async () => {
    const root = await tempDir();
    const prompt = 'fault test: task fails';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}&textured=false';\nconsole.log(url);` });
    const error = { type: 'server_error' as const, message: 'Internal server error.' };
    emulator.setFaults({ taskFailures: { probability: 1, error } });
    try {
      await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/Meshy could not generate "fault test: task fails".*Internal server error\./);
    } finally {
      emulator.setFaults({});
    }
    expect(tasksFor(prompt).map((task) => task.status)).toEqual(['FAILED']);
    await expect(buildProject(root, pluginOptions(root))).rejects.toThrow(/on an earlier run[\s\S]*retryFailed/);
    expect(tasksFor(prompt)).toHaveLength(1);
    await buildProject(root, pluginOptions(root, { retryFailed: true }));
    expect(
      tasksFor(prompt)
        .map((task) => task.status)
        .sort(),
    ).toEqual(['FAILED', 'SUCCEEDED']);
    expect(await storeFiles(root)).toBe(1);
    table.push(`| task FAILED (refunded), rerun, then retryFailed | 2 / 1 + 1 retry asked for | failed, refused, built | 1 (0) |`);
  });
});

describe('the Meshy protocol at build level (issue 10)', () => {
  it('a result over maxDownloadBytes fails the build naming the task and the bound; raising it pays nothing new', async () => {
    const root = await tempDir();
    const prompt = 'fault test: over the download bound';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}&textured=false';\nconsole.log(url);` });
    const error = await buildProject(root, pluginOptions(root, { maxDownloadBytes: 1000 })).catch((e: unknown) => e);
    const [task] = tasksFor(prompt);
    expect((error as Error).message).toContain(`The GLB of text-to-3d task ${task!.id}`);
    expect((error as Error).message).toMatch(/maxDownloadBytes = 1000 bytes: it is \d+ bytes\. Nothing was stored/);
    expect(await storeFiles(root)).toBe(0);
    await buildProject(root, pluginOptions(root));
    expect(tasksFor(prompt)).toHaveLength(1);
    expect(await storeFiles(root)).toBe(1);
    table.push(`| result over maxDownloadBytes, then raised | 1 / 1 | failed naming task and bound, then built | 1 (0) |`);
  });

  it('credentials in the API base user-info never reach the log or the bundle', async () => {
    const root = await tempDir();
    const secret = 'msy_userinfo_password_7731';
    const prompt = 'fault test: user-info credentials';
    await writeProject(root, { 'main.js': `import url from 'meshy:prompt?text=${encodeURIComponent(prompt)}&textured=false';\nconsole.log(url);` });
    const logs: string[] = [];
    // The stream ends early, then the first poll's connection is reset: its retry line names the API base.
    emulator.setFaults({
      requests: [
        { kind: 'stream-drop', afterEvents: 1, graceful: true },
        { kind: 'connection-reset', method: 'GET', path: '/openapi/v2/text-to-3d/*', skip: 1 },
      ],
    });
    try {
      const apiBase = emulator.url.replace('http://', `http://user:${secret}@`);
      const { code, assets } = await buildProject(root, pluginOptions(root, { apiBase, cacheNamespace: 'emulator-userinfo' }), { logs });
      expect(code).not.toContain(secret);
      expect([...assets.values()].some((bytes) => Buffer.from(bytes).includes(secret))).toBe(false);
    } finally {
      emulator.setFaults({});
    }
    expect(logs.join('\n')).toMatch(/Could not reach Meshy at http:\/\/127\.0\.0\.1:\d+ /);
    expect(logs.join('\n')).not.toContain(secret);
    const stored = await readdir(join(root, '.meshy'), { recursive: true });
    for (const name of stored) {
      const path = join(root, '.meshy', name);
      const text = await readFile(path).catch(() => Buffer.alloc(0));
      expect(text.includes(secret), name).toBe(false);
    }
  });
});
