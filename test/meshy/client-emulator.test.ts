import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import { type Emulator, type EmulatorOptions, type FaultsConfig, startEmulator } from '../../src/emulator/index.js';
import {
  createMeshyClient,
  downloadTaskResult,
  MeshyApiError,
  type MeshyClientOptions,
  MeshyNetworkError,
  MeshyTaskFailedError,
  MeshyTaskTimeoutError,
  textTo3d,
} from '../../src/meshy/index.js';
import { useTempDirs } from '../helpers/tmp.js';

/** The client against the emulator: the same code that talks to api.meshy.ai when a key is set. */
const KEY = 'msy_client_emulator_test_key';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], taskDurationMs: 200, queueDelayMs: 20, rateLimitPerSecond: 5, queueLimit: 2 });
});
afterAll(() => emulator.close());

function client(options: Partial<MeshyClientOptions> = {}) {
  return createMeshyClient({ apiKey: KEY, baseUrl: emulator.url, retry: { retries: 8, baseDelayMs: 50, maxDelayMs: 2000 }, ...options });
}

describe('Meshy client against the emulator', () => {
  it.each([true, false])('creates, follows (stream: %s) and downloads a preview then a refine', async (stream) => {
    const meshy = client({ stream, pollIntervalMs: 50, requestsPerSecond: 4 });
    try {
      const progress: number[] = [];
      const previewId = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a copper kettle', target_formats: ['glb'] });
      const preview = await meshy.waitForTask(textTo3d, previewId, { onProgress: (u) => progress.push(u.progress) });
      expect(preview).toMatchObject({ id: previewId, type: 'text-to-3d-preview', status: 'SUCCEEDED', consumed_credits: 20 });
      expect(progress.at(-1)).toBe(100);
      const refineId = await meshy.createTask(textTo3d, { mode: 'refine', preview_task_id: previewId, enable_pbr: true });
      const refine = await meshy.waitForTask(textTo3d, refineId);
      // The client does not read texture_urls: it passes them through as Meshy sent them.
      expect((refine.texture_urls as Record<string, string>[])[0]).toHaveProperty('normal');
      const glb = await meshy.download(refine.model_urls!.glb!, { validate: assertGlb });
      expect(glb.byteLength).toBeGreaterThan(1000);
    } finally {
      await meshy.close();
    }
  });

  it('reports a FAILED task with its error, refunded', async () => {
    const meshy = client();
    const id = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a broken thing [emulator:fail]' });
    const error = await meshy.waitForTask(textTo3d, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyTaskFailedError);
    expect((error as Error).message).toMatch(/Failed to generate preview images/);
    expect((await meshy.getTask(textTo3d, id)).consumed_credits).toBe(0);
    await meshy.close();
  });

  it('maps a wrong key to 401 without echoing it', async () => {
    const meshy = createMeshyClient({ apiKey: 'msy_wrong_key_0000', baseUrl: emulator.url });
    const error = await meshy.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyApiError);
    expect(error).toMatchObject({ status: 401, code: 'MESHY_UNAUTHORIZED' });
    expect((error as Error).message).not.toContain('msy_wrong_key_0000');
    await meshy.close();
  });

  it("maps a bad request to 400 with the emulator's field message", async () => {
    const meshy = client();
    await expect(meshy.createTask(textTo3d, { mode: 'preview', prompt: 'x', topology: 'hexagon' })).rejects.toThrow(/400.*topology/);
    await meshy.close();
  });

  it('rides out 429s (rate and queue) and creates each task exactly once', async () => {
    // No client-side rate gate: the server's limit of 5/s is what is hit.
    const meshy = client({ requestsPerSecond: 1000 });
    const before = emulator.stats().tasksCreated;
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => meshy.createTask(textTo3d, { mode: 'preview', prompt: `crate number ${i}`, target_formats: ['glb'] })),
    );
    expect(new Set(ids).size).toBe(5);
    expect(emulator.stats().tasksCreated - before).toBe(5);
    await Promise.all(ids.map((id) => meshy.waitForTask(textTo3d, id)));
    await meshy.close();
  });
});

describe('the client against an odd, slow or hostile emulator (issue 10)', () => {
  const tempDir = useTempDirs();

  async function odd(faults: FaultsConfig, options: Partial<MeshyClientOptions> = {}, emulatorOptions: EmulatorOptions = {}) {
    const own = await startEmulator({ apiKeys: [KEY], taskDurationMs: 200, queueDelayMs: 20, faults, ...emulatorOptions });
    const logs: string[] = [];
    const meshy = createMeshyClient({
      apiKey: KEY,
      baseUrl: own.url,
      retry: { retries: 3, baseDelayMs: 20, maxDelayMs: 200 },
      pollIntervalMs: 50,
      log: (line) => logs.push(line),
      ...options,
    });
    onTestFinished(async () => {
      await meshy.close();
      await own.close();
    });
    const preview = () => meshy.createTask(textTo3d, { mode: 'preview', prompt: 'an odd lamp' });
    return { emulator: own, meshy, logs, preview };
  }

  it.each([true, false])('stops waiting for a task stuck at 99 percent at maxWaitMs (stream: %s), saying it is journaled', async (stream) => {
    const { meshy, preview } = await odd({ stuckTasks: {} }, { stream, maxWaitMs: 500 });
    const id = await preview();
    const started = Date.now();
    const error = await meshy.waitForTask(textTo3d, id).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(error).toBeInstanceOf(MeshyTaskTimeoutError);
    expect(error).toMatchObject({ code: 'MESHY_TASK_TIMEOUT', taskId: id });
    expect((error as Error).message).toContain(`task ${id} is still IN_PROGRESS`);
    expect((error as Error).message).toMatch(/kept in the task journal, and the next build resumes it without paying again/);
  });

  it('retries a 429 without Retry-After (as Meshy sends it) on its own backoff, and waits out one that has it', async () => {
    const bare = await odd({ requests: [{ kind: 'rate-limit', method: 'POST', times: 2 }] });
    let started = Date.now();
    await bare.preview();
    expect(Date.now() - started).toBeLessThan(1000); // backoff of 20–200 ms, no header to wait for
    expect(bare.emulator.stats()).toMatchObject({ tasksCreated: 1, faultsInjected: { 'rate-limit': 2 } });
    const told = await odd({ requests: [{ kind: 'rate-limit', method: 'POST', retryAfterSeconds: 1 }] });
    started = Date.now();
    await told.preview();
    // The header is honoured up to 4 × maxDelayMs (800 ms here), far beyond the 20–200 ms backoff.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(told.emulator.stats()).toMatchObject({ tasksCreated: 1, faultsInjected: { 'rate-limit': 1 } });
  });

  it('does not sleep for a Retry-After of 100000 s on a normal read', async () => {
    const { meshy, preview } = await odd(
      { requests: [{ kind: 'retry-after', method: 'GET', path: '/openapi/v2/text-to-3d/*' }] },
      { stream: false, maxWaitMs: 1500 },
    );
    const id = await preview();
    const started = Date.now();
    // The next read comes at the deadline (before it, at most 4 polls or Meshy's documented 5 s), not in 27 hours.
    await expect(meshy.waitForTask(textTo3d, id)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reads the task when the final stream event has no asset URLs', async () => {
    const { meshy, preview, emulator: own } = await odd({ requests: [{ kind: 'stream-bare-final' }] });
    const task = await meshy.waitForTask(textTo3d, await preview());
    expect(task.model_urls?.glb).toMatch(/\/model\.glb\?/);
    expect(task.consumed_credits).toBe(20);
    expect(own.stats().faultsInjected).toEqual({ 'stream-bare-final': 1 });
  });

  it('falls back to polling after a malformed stream event', async () => {
    const { meshy, preview, logs } = await odd({ requests: [{ kind: 'stream-malformed' }] });
    await expect(meshy.waitForTask(textTo3d, await preview())).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(logs.join('\n')).toMatch(/by polling: its stream sent an event that is not a task update/);
  });

  it('reads tasks whose unread fields are null or odd', async () => {
    const fields = { progress: null, prompt: null, texture_urls: [null], task_error: { message: null }, thumbnail_url: null };
    const { meshy, preview } = await odd({ requests: [{ kind: 'extra-fields', times: 'always', fields }] }, { stream: false });
    const task = await meshy.waitForTask(textTo3d, await preview());
    expect(task).toMatchObject({ status: 'SUCCEEDED', progress: 0, texture_urls: [null] });
    await expect(meshy.listTasks(textTo3d)).resolves.toHaveLength(1);
  });

  it('finds the task of a lost create in a list with one odd item: no second payment', async () => {
    const {
      meshy,
      emulator: own,
      logs,
    } = await odd({
      requests: [
        { kind: 'server-error', method: 'POST', status: 502, takesEffect: true },
        { kind: 'odd-list-item', method: 'GET' },
      ],
    });
    const id = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a lamp, answer lost' });
    expect(own.stats().tasksCreated).toBe(1);
    expect(own.tasks().map((task) => task.id)).toEqual([id]);
    expect(logs.join('\n')).toMatch(/skipping item 0 of Meshy's text-to-3d task list/);
  });

  it('streams a large result to a file under the bound, and refuses one over it naming the task and the bound', async () => {
    const big = 8 * 1024 * 1024;
    const { meshy, preview } = await odd(
      {
        requests: [
          { kind: 'large-download', bytes: big, path: '/assets/*/model.glb' },
          { kind: 'large-download', bytes: big, path: '/assets/*/model.glb' },
          { kind: 'large-download', bytes: big, contentLength: false, path: '/assets/*/model.glb' },
        ],
      },
      { maxDownloadBytes: 16 * 1024 * 1024 },
    );
    const task = await meshy.waitForTask(textTo3d, await preview());
    const dir = await tempDir();
    const file = await downloadTaskResult(meshy, textTo3d, task, { dir, kind: 'glb' });
    const bytes = new Uint8Array(await readFile(file.path));
    expect(file).toMatchObject({ bytes: big, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(() => assertGlb(bytes)).not.toThrow();
    await rm(file.path);

    const small = createMeshyClient({ apiKey: KEY, baseUrl: meshy.baseUrl, maxDownloadBytes: 1024 * 1024 });
    onTestFinished(() => small.close());
    for (const announced of ['it is 8 MiB', 'more than that arrived']) {
      const error = await downloadTaskResult(small, textTo3d, task, { dir, kind: 'glb' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MESHY_DOWNLOAD_TOO_LARGE' });
      expect((error as Error).message).toContain(`The GLB of text-to-3d task ${task.id}`);
      expect((error as Error).message).toContain(`maxDownloadBytes = 1 MiB: ${announced}`);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('gets a fresh link once when a download link has gone stale (403)', async () => {
    const { meshy, preview, emulator: own } = await odd({ requests: [{ kind: 'expired-link', path: '/assets/*/model.glb' }] });
    const task = await meshy.waitForTask(textTo3d, await preview());
    const file = await downloadTaskResult(meshy, textTo3d, task, { dir: await tempDir(), kind: 'glb' });
    expect(file.bytes).toBeGreaterThan(1000);
    expect(own.stats()).toMatchObject({ downloads: 2, faultsInjected: { 'expired-link': 1 } });
  });

  it('reads the task again when its signed link expired on its own (a 1 s link TTL, real clock)', async () => {
    const { meshy, preview, emulator: own } = await odd({}, {}, { linkTtlMs: 1000 });
    const task = await meshy.waitForTask(textTo3d, await preview());
    const expires = Number(new URL(task.model_urls!.glb!).searchParams.get('Expires')) * 1000;
    await new Promise((resolve) => setTimeout(resolve, expires - Date.now() + 20));
    expect((await fetch(task.model_urls!.glb!)).status).toBe(403);
    let reads = 0;
    const files = {
      downloadFile: meshy.downloadFile.bind(meshy),
      getTask: ((resource, id, call) => {
        reads++;
        return meshy.getTask(resource, id, call);
      }) as typeof meshy.getTask,
    };
    const file = await downloadTaskResult(files, textTo3d, task, { dir: await tempDir(), kind: 'glb' });
    expect(file.bytes).toBeGreaterThan(1000);
    expect(reads).toBe(1);
    expect(own.stats().downloads).toBe(1);
  });

  it('never shows a key written into the base URL, in errors, logs or its own baseUrl', async () => {
    const secret = 'msy_userinfo_secret_0042';
    const { emulator: own } = await odd({});
    const logs: string[] = [];
    const viaUserInfo = createMeshyClient({
      apiKey: KEY,
      baseUrl: own.url.replace('http://', `http://user:${secret}@`),
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 },
      log: (line) => logs.push(line),
    });
    const unreachable = createMeshyClient({ apiKey: KEY, baseUrl: `http://${secret}@127.0.0.1:1`, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    onTestFinished(async () => {
      await viaUserInfo.close();
      await unreachable.close();
    });
    expect(viaUserInfo.baseUrl).toBe(own.url);
    await expect(viaUserInfo.balance()).resolves.toBe(10_000);
    own.setFaults({ requests: [{ kind: 'connection-reset', times: 'always' }] });
    const errors = [await viaUserInfo.balance().catch((e: unknown) => e), await unreachable.createTask(textTo3d, { prompt: 'p' }).catch((e: unknown) => e)];
    for (const error of errors) {
      expect(error).toBeInstanceOf(MeshyNetworkError);
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(secret);
    }
    expect((errors[1] as Error).message).toMatch(/^Could not reach Meshy at http:\/\/127\.0\.0\.1:1 /);
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('\n')).not.toContain(secret);
  });
});
