import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { download, fakeClock, KEY, readStream, T2T, useEmulator } from './helpers.js';

const PREVIEW = { mode: 'preview', prompt: 'a faulty lamp' };

/** GET with node:http, keeping whatever arrived before the connection ended or broke. */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, unknown>; bytes: Buffer; error?: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const req = request(url, { agent: false }, (res) => {
      const done = (error?: string) => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes: Buffer.concat(chunks), error });
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done());
      res.on('error', (error) => done(error.message));
      res.on('aborted', () => done('aborted'));
    });
    req.on('error', reject);
    req.end();
  });
}

async function succeededPreview(options: Parameters<typeof useEmulator>[0] = {}) {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0, ...options });
  const id = await api.create({ ...PREVIEW, target_formats: ['glb'] });
  clock.advance(100);
  return { api, clock, task: await api.get(id) };
}

describe('faults: 429 bursts', () => {
  it('answers 429 without Retry-After unless the fault asks for one, as Meshy sends them', async () => {
    const api = await useEmulator({ faults: { requests: [{ kind: 'rate-limit', method: 'post', path: T2T, message: 'NoMoreConcurrentTasks' }] } });
    const limited = await api.call('POST', T2T, PREVIEW);
    expect([limited.status, limited.body, limited.headers.get('retry-after')]).toEqual([429, { message: 'NoMoreConcurrentTasks' }, null]);
  });

  it('answers the next N matching requests 429 with Retry-After, then recovers', async () => {
    const api = await useEmulator({ faults: { requests: [{ kind: 'rate-limit', times: 2, method: 'post', path: T2T, retryAfterSeconds: 3 }] } });
    expect((await api.call('GET', '/openapi/v1/balance')).status).toBe(200); // not matching
    for (let i = 0; i < 2; i++) {
      const limited = await api.call('POST', T2T, PREVIEW);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ message: 'RateLimitExceeded' });
      expect(limited.headers.get('retry-after')).toBe('3');
    }
    expect((await api.call('POST', T2T, PREVIEW)).status).toBe(202);
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 1, creditsCharged: 20, faultsInjected: { 'rate-limit': 2 } });
  });

  it('can say NoMoreConcurrentTasks, skip matches and be switched at runtime', async () => {
    const api = await useEmulator();
    api.emulator.setFaults({ requests: [{ kind: 'rate-limit', message: 'NoMoreConcurrentTasks', skip: 1, path: '/openapi/v2/*' }] });
    expect((await api.call('POST', T2T, PREVIEW)).status).toBe(202);
    const full = await api.call('POST', T2T, PREVIEW);
    expect([full.status, full.body.message]).toEqual([429, 'NoMoreConcurrentTasks']);
    expect((await api.call('POST', T2T, PREVIEW)).status).toBe(202);
    api.emulator.setFaults({ requests: [{ kind: 'rate-limit', times: 'always' }] });
    expect((await api.call('GET', '/openapi/v1/balance')).status).toBe(429);
    expect((await api.call('GET', T2T)).status).toBe(429);
    api.emulator.setFaults({});
    expect((await api.call('GET', T2T)).status).toBe(200);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'rate-limit': 3 });
  });

  it('refuses an invalid configuration with a readable message', async () => {
    const api = await useEmulator();
    expect(() => api.emulator.setFaults({ requests: [{ kind: 'server-error', status: 504 as never }] })).toThrow(
      /Invalid emulator faults: faults\.requests\.0\.status/,
    );
    await expect(startEmulator({ faults: { requests: [{ kind: 'teleport' }] } as never })).rejects.toThrow(/Invalid emulator options: faults/);
  });
});

describe('faults: 5xx and lost answers', () => {
  it('answers 500/502/503 without creating anything', async () => {
    const api = await useEmulator({
      faults: {
        requests: [
          { kind: 'server-error', status: 503, method: 'POST' },
          { kind: 'server-error', status: 502, method: 'POST' },
          { kind: 'server-error', method: 'POST' },
        ],
      },
    });
    const busy = await api.call('POST', T2T, PREVIEW);
    expect([busy.status, busy.body]).toEqual([503, { message: 'The server is busy. Please try again later.' }]);
    const gateway = await api.call('POST', T2T, PREVIEW);
    expect([gateway.status, gateway.headers.get('content-type')]).toEqual([502, 'text/html; charset=utf-8']);
    expect(gateway.text).toMatch(/<html>/);
    const internal = await api.call('POST', T2T, PREVIEW);
    expect([internal.status, internal.body]).toEqual([500, { message: 'Internal server error.' }]);
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 0, creditsCharged: 0, faultsInjected: { 'server-error': 3 } });
    expect((await api.call('GET', T2T)).body).toEqual([]);
  });

  it('loses the answer of a create that did create (and charge) its task: the list shows it', async () => {
    const api = await useEmulator({ faults: { requests: [{ kind: 'server-error', status: 502, method: 'POST', takesEffect: true }] } });
    const lost = await api.call('POST', T2T, PREVIEW);
    expect(lost.status).toBe(502);
    const listed = (await api.call('GET', T2T)).body;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ prompt: PREVIEW.prompt, consumed_credits: 20 });
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 1, creditsCharged: 20, faultsInjected: { 'server-error': 1 } });
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(9980);
  });

  it('resets the connection before any answer, with or without the create taking effect', async () => {
    const api = await useEmulator({
      faults: {
        requests: [
          { kind: 'connection-reset', method: 'POST' },
          { kind: 'connection-reset', method: 'POST', takesEffect: true },
        ],
      },
    });
    await expect(api.call('POST', T2T, PREVIEW)).rejects.toThrow(/fetch failed/);
    expect(api.emulator.stats().tasksCreated).toBe(0);
    await expect(api.call('POST', T2T, PREVIEW)).rejects.toThrow(/fetch failed/);
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 1, creditsCharged: 20, faultsInjected: { 'connection-reset': 2 } });
    expect((await api.call('GET', T2T)).body).toHaveLength(1);
  });
});

describe('faults: downloads', () => {
  it('resets a download after K bytes', async () => {
    const { api, task } = await succeededPreview({ faults: { requests: [{ kind: 'download-reset', afterBytes: 100, path: '/assets/*/model.glb' }] } });
    const thumbnail = await rawGet(task.thumbnail_url); // not matching
    expect(thumbnail.error).toBeUndefined();
    const broken = await rawGet(task.model_urls.glb);
    expect(broken.error).toBeDefined();
    expect(broken.bytes.byteLength).toBe(100);
    expect(Number(broken.headers['content-length'])).toBeGreaterThan(100);
    const whole = await rawGet(task.model_urls.glb);
    expect([whole.error, whole.bytes.byteLength]).toEqual([undefined, Number(whole.headers['content-length'])]);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'download-reset': 1 });
  });

  it('truncates a body below its Content-Length, then closes', async () => {
    const { api, task } = await succeededPreview({ faults: { requests: [{ kind: 'truncated-download' }] } });
    const truncated = await rawGet(task.model_urls.glb);
    const length = Number(truncated.headers['content-length']);
    expect(truncated.bytes.byteLength).toBe(Math.floor(length / 2));
    expect(truncated.error).toBeDefined();
    await expect(download(task.model_urls.glb)).resolves.toMatchObject({ status: 200 });
    expect(api.emulator.stats().faultsInjected).toEqual({ 'truncated-download': 1 });
  });

  it('serves wrong bytes with 200: an HTML page, or the file scrambled', async () => {
    const { api, task } = await succeededPreview({ faults: { requests: [{ kind: 'corrupt-download' }, { kind: 'corrupt-download', body: 'scrambled' }] } });
    const html = await download(task.model_urls.glb);
    expect([html.status, html.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(new TextDecoder().decode(html.bytes)).toMatch(/^<!DOCTYPE html>/);
    const scrambled = await download(task.model_urls.glb);
    const good = await download(task.model_urls.glb);
    expect(scrambled.headers.get('content-type')).toBe('model/gltf-binary');
    expect(scrambled.bytes.byteLength).toBe(good.bytes.byteLength);
    expect(Buffer.from(scrambled.bytes.subarray(0, 4)).toString()).not.toBe('glTF');
    expect(Buffer.from(good.bytes.subarray(0, 4)).toString()).toBe('glTF');
    expect(api.emulator.stats().faultsInjected).toEqual({ 'corrupt-download': 2 });
  });
});

describe('faults: SSE streams', () => {
  it('stalls a stream: nothing at all (no keep-alives) for the configured time', async () => {
    const api = await useEmulator({ taskDurationMs: 100, queueDelayMs: 0, faults: { requests: [{ kind: 'stream-stall', stallMs: 400 }] } });
    const id = await api.create(PREVIEW);
    const started = Date.now();
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    // The task finished during the stall: the first bytes are its final event.
    expect(new TextDecoder().decode(first.value)).toMatch(/"status":"SUCCEEDED"/);
    await reader.cancel();
    expect(api.emulator.stats().faultsInjected).toEqual({ 'stream-stall': 1 });
  });

  it('drops a stream after K events, cleanly or with a reset', async () => {
    const api = await useEmulator({
      taskDurationMs: 1000,
      faults: {
        requests: [
          { kind: 'stream-drop', afterEvents: 2, graceful: true },
          { kind: 'stream-drop', afterEvents: 1 },
        ],
      },
    });
    const id = await api.create(PREVIEW);
    const { events } = await readStream(`${api.emulator.url}${T2T}/${id}/stream`);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.data.status !== 'SUCCEEDED')).toBe(true);
    await expect(readStream(`${api.emulator.url}${T2T}/${id}/stream`)).rejects.toThrow();
    expect(api.emulator.stats().faultsInjected).toEqual({ 'stream-drop': 2 });
  });

  it('closes at once while a stream is stalled', async () => {
    const api = await useEmulator({ taskDurationMs: 60_000, faults: { requests: [{ kind: 'stream-stall', stallMs: 60_000, afterEvents: 1 }] } });
    const id = await api.create(PREVIEW);
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const reader = response.body!.getReader();
    await reader.read();
    const started = Date.now();
    await api.emulator.close();
    await reader.read().catch(() => undefined);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('faults: task failures', () => {
  it('fails tasks with the given probability at seeded progress, with Meshy task_error shapes, refunded', async () => {
    const run = async () => {
      const clock = fakeClock();
      const api = await useEmulator({ now: clock.now, taskDurationMs: 1000, queueDelayMs: 0, faults: { taskFailures: { probability: 0.5, seed: 42 } } });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await api.create({ mode: 'preview', prompt: `lamp ${i}` }));
      clock.advance(1000);
      const tasks = await Promise.all(ids.map((id) => api.get(id)));
      return { api, tasks };
    };
    const [first, second] = [await run(), await run()];
    const failed = first.tasks.filter((task) => task.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(8);
    expect(second.tasks.map((task) => task.status)).toEqual(first.tasks.map((task) => task.status));
    for (const task of failed) {
      expect(['server_error', 'service_unavailable', 'timeout']).toContain(task.task_error.type);
      expect(task.task_error.message).not.toBe('');
      expect(task.consumed_credits).toBe(0);
    }
    // Failed at different, seeded moments.
    expect(new Set(failed.map((task) => task.finished_at)).size).toBeGreaterThan(1);
    expect(first.api.emulator.stats()).toMatchObject({ creditsRefunded: failed.length * 20, faultsInjected: { 'task-failure': failed.length } });
  });

  it('only fails the listed task types, with the configured error; the marker counts too', async () => {
    const clock = fakeClock();
    const error = {
      type: 'invalid_input',
      code: 'moderation_blocked',
      message: 'Blocked.',
      doc_url: 'https://docs.meshy.ai/en/api/errors#moderation-blocked',
    } as const;
    const api = await useEmulator({
      now: clock.now,
      taskDurationMs: 100,
      queueDelayMs: 0,
      faults: { taskFailures: { probability: 1, types: ['text-to-3d-refine'], error } },
    });
    const preview = await api.create(PREVIEW);
    const marked = await api.create({ mode: 'preview', prompt: 'x [emulator:fail]' });
    clock.advance(100);
    const refine = await api.create({ mode: 'refine', preview_task_id: preview });
    clock.advance(100);
    expect((await api.get(preview)).status).toBe('SUCCEEDED');
    expect((await api.get(marked)).status).toBe('FAILED');
    expect(await api.get(refine)).toMatchObject({ status: 'FAILED', task_error: error, consumed_credits: 0 });
    expect(api.emulator.stats().faultsInjected).toEqual({ 'task-failure': 1, 'fail-marker': 1 });
  });
});

describe('faults: unknown fields', () => {
  it('adds extra fields to create answers, task objects, lists and the final stream event', async () => {
    const clock = fakeClock();
    const api = await useEmulator({
      now: clock.now,
      taskDurationMs: 10,
      queueDelayMs: 0,
      faults: { requests: [{ kind: 'extra-fields', times: 'always', fields: { surprise: 1 } }] },
    });
    const created = await api.call('POST', T2T, PREVIEW);
    expect(created.body).toEqual({ result: expect.any(String), surprise: 1 });
    clock.advance(10);
    expect(await api.get(created.body.result)).toMatchObject({ status: 'SUCCEEDED', surprise: 1 });
    expect((await api.call('GET', T2T)).body[0]).toMatchObject({ surprise: 1 });
    const { events } = await readStream(`${api.emulator.url}${T2T}/${created.body.result}/stream`);
    expect(events[0]!.data).toMatchObject({ status: 'SUCCEEDED', surprise: 1 });
    expect((await api.call('GET', '/openapi/v1/balance')).body).toEqual({ balance: 9980 });
    expect(api.emulator.stats().faultsInjected).toEqual({ 'extra-fields': 4 });
  });
});

describe('faults: odd answers (issue 10, the Meshy protocol)', () => {
  it('keeps stuckTasks IN_PROGRESS at their progress forever, in GET and stream alike', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0, faults: { stuckTasks: { types: ['text-to-3d-preview'] } } });
    const id = await api.create(PREVIEW);
    clock.advance(24 * 60 * 60_000);
    expect(await api.get(id)).toMatchObject({ status: 'IN_PROGRESS', progress: 99, model_urls: expect.anything() });
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe(`event: message\ndata: {"id":"${id}","progress":99,"status":"IN_PROGRESS"}\n\n`);
    await reader.cancel();
    expect(api.emulator.stats().faultsInjected).toEqual({ 'stuck-task': 1 });
  });

  it('stuckTasks with a progress, for the listed types only', async () => {
    const clock = fakeClock();
    const api = await useEmulator({
      now: clock.now,
      taskDurationMs: 100,
      queueDelayMs: 0,
      faults: { stuckTasks: { atProgress: 40, types: ['text-to-3d-refine'] } },
    });
    const preview = await api.create(PREVIEW);
    clock.advance(100);
    const refine = await api.create({ mode: 'refine', preview_task_id: preview });
    clock.advance(60_000);
    expect((await api.get(preview)).status).toBe('SUCCEEDED');
    expect(await api.get(refine)).toMatchObject({ status: 'IN_PROGRESS', progress: 40 });
  });

  it('sends a final stream event without asset URLs (stream-bare-final)', async () => {
    const api = await useEmulator({ taskDurationMs: 100, queueDelayMs: 0, faults: { requests: [{ kind: 'stream-bare-final' }] } });
    const id = await api.create(PREVIEW);
    const { events } = await readStream(`${api.emulator.url}${T2T}/${id}/stream`);
    expect(events.at(-1)!.data).toEqual({ id, progress: 100, status: 'SUCCEEDED' });
    expect((await api.get(id)).model_urls.glb).toMatch(/model\.glb/);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'stream-bare-final': 1 });
  });

  it('sends one malformed event, then goes on (stream-malformed)', async () => {
    const api = await useEmulator({ taskDurationMs: 200, queueDelayMs: 0, faults: { requests: [{ kind: 'stream-malformed', afterEvents: 1 }] } });
    const id = await api.create(PREVIEW);
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const blocks = (await response.text()).split('\n\n').filter(Boolean);
    expect(blocks[1]).toBe('event: message\ndata: {"status": "IN_PROG');
    expect(blocks.at(-1)).toMatch(/"status":"SUCCEEDED"/);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'stream-malformed': 1 });
  });

  it('puts a Retry-After on a successful read (retry-after)', async () => {
    const api = await useEmulator({ faults: { requests: [{ kind: 'retry-after', method: 'GET', path: `${T2T}/*` }] } });
    const id = await api.create(PREVIEW);
    const read = await api.call('GET', `${T2T}/${id}`);
    expect([read.status, read.headers.get('retry-after')]).toEqual([200, '100000']);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'retry-after': 1 });
  });

  it('adds one item that is not a task to a list (odd-list-item)', async () => {
    const api = await useEmulator({ faults: { requests: [{ kind: 'odd-list-item', at: 1 }] } });
    await api.create(PREVIEW);
    await api.create(PREVIEW);
    const list = (await api.call('GET', T2T)).body;
    expect(list).toHaveLength(3);
    expect(list[1]).toEqual({ id: null, status: 'MYSTERY', progress: 'lots' });
    expect((await api.call('GET', T2T)).body).toHaveLength(2);
  });

  it('answers a download 403 as a stale signed link does (expired-link), once', async () => {
    const { api, task } = await succeededPreview({ faults: { requests: [{ kind: 'expired-link', path: '/assets/*/model.glb' }] } });
    const stale = await download(task.model_urls.glb);
    expect([stale.status, new TextDecoder().decode(stale.bytes)]).toEqual([403, 'Access denied: this URL has expired']);
    expect((await download(task.model_urls.glb)).status).toBe(200);
    expect(api.emulator.stats().faultsInjected).toEqual({ 'expired-link': 1 });
  });

  it('serves a valid GLB of any size without holding it (large-download), with or without Content-Length', async () => {
    const { api, task } = await succeededPreview({
      faults: {
        requests: [
          { kind: 'large-download', bytes: 3 * 1024 * 1024 + 1, path: '/assets/*/model.glb' },
          { kind: 'large-download', bytes: 2 * 1024 * 1024, contentLength: false, path: '/assets/*/model.glb' },
        ],
      },
    });
    const big = await rawGet(task.model_urls.glb);
    expect([big.error, big.bytes.byteLength, Number(big.headers['content-length'])]).toEqual([undefined, 3 * 1024 * 1024 + 4, 3 * 1024 * 1024 + 4]);
    expect(() => assertGlb(new Uint8Array(big.bytes))).not.toThrow();
    const chunked = await rawGet(task.model_urls.glb);
    expect([chunked.headers['content-length'], chunked.headers['transfer-encoding'], chunked.bytes.byteLength]).toEqual([
      undefined,
      'chunked',
      2 * 1024 * 1024,
    ]);
    expect(() => assertGlb(new Uint8Array(chunked.bytes))).not.toThrow();
    expect(api.emulator.stats().faultsInjected).toEqual({ 'large-download': 2 });
  });
});
