import { afterEach, describe, expect, it } from 'vitest';
import { MeshyApiError, MeshyResponseError, MeshyTaskTimeoutError } from '../../src/meshy/errors.js';
import { textTo3d } from '../../src/meshy/resources.js';
import { pollDelayMs, type WaitContext, waitForTask } from '../../src/meshy/wait.js';
import { type Handler, json, startFakeServer } from './fake-server.js';
import { testTransport } from './transport-context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(handler: Handler, overrides: Partial<Omit<WaitContext, 'transport'>> = {}) {
  const server = await startFakeServer(handler);
  const { transport, logs, close } = testTransport(server.url);
  cleanups.push(close, server.close);
  const context: WaitContext = { transport, stream: true, pollIntervalMs: 5, maxWaitMs: 60_000, streamIdleTimeoutMs: 60_000, ...overrides };
  return { server, context, logs };
}

const task = (overrides: Record<string, unknown>) => ({
  id: 't1',
  status: 'SUCCEEDED',
  progress: 100,
  created_at: 1,
  model_urls: { glb: 'http://x/m.glb' },
  ...overrides,
});
const running = task({ status: 'IN_PROGRESS', progress: 40, model_urls: null });

describe('waitForTask', () => {
  it('gives a silent stream up for polling after the idle timeout', async () => {
    const { context, logs, server } = await setup(
      (req, res) => {
        if (req.url!.endsWith('/stream')) return void res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders();
        json(res, 200, task({}));
      },
      { streamIdleTimeoutMs: 50 },
    );
    await expect(waitForTask(context, textTo3d, 't1')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(logs.join('\n')).toMatch(/by polling: its stream failed/);
    expect(server.requests.map((r) => r.url)).toEqual(['/openapi/v2/text-to-3d/t1/stream', '/openapi/v2/text-to-3d/t1']);
  });

  it('throws a wrong key from the stream instead of polling', async () => {
    const { context, server } = await setup((_req, res) => json(res, 401, { message: 'Invalid API key' }));
    await expect(waitForTask(context, textTo3d, 't1')).rejects.toMatchObject({ status: 401 });
    expect(server.requests).toHaveLength(1);
  });

  it('polls after a stream that ends before the task does', async () => {
    const { context, server } = await setup((req, res) => {
      if (req.url!.endsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        return res.end(`data: ${JSON.stringify({ status: 'IN_PROGRESS', progress: 20 })}\n\n`);
      }
      json(res, 200, task({}));
    });
    const seen: string[] = [];
    await waitForTask(context, textTo3d, 't1', { onProgress: (u) => seen.push(`${u.status}:${u.progress}`) });
    expect(seen).toEqual(['IN_PROGRESS:20', 'SUCCEEDED:100']);
    expect(server.requests).toHaveLength(2);
  });

  it('reports the queue position while polling, and waits as long as Retry-After asks', async () => {
    let polls = 0;
    const times: number[] = [];
    const { context } = await setup(
      (_req, res) => {
        times.push(Date.now());
        if (++polls === 1) return json(res, 200, task({ status: 'PENDING', progress: 0, preceding_tasks: 3, model_urls: null }), { 'retry-after': '0.2' });
        json(res, 200, task({}));
      },
      { stream: false },
    );
    const seen: unknown[] = [];
    await waitForTask(context, textTo3d, 't1', { onProgress: (u) => seen.push(u) });
    expect(seen[0]).toEqual({ status: 'PENDING', progress: 0, precedingTasks: 3 });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(190);
  });

  it('stops waiting at the deadline, with the task still running', async () => {
    const { context } = await setup((_req, res) => json(res, 200, running), { stream: false, maxWaitMs: 30 });
    const error = await waitForTask(context, textTo3d, 't1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyResponseError);
    expect((error as Error).message).toMatch(/still IN_PROGRESS \(40%\).*keeps running at Meshy/);
  });

  it("rejects with the signal's reason when aborted between polls", async () => {
    const { context } = await setup((_req, res) => json(res, 200, running), { stream: false, pollIntervalMs: 10_000 });
    const controller = new AbortController();
    const reason = new Error('build cancelled');
    setTimeout(() => controller.abort(reason), 50);
    await expect(waitForTask(context, textTo3d, 't1', { signal: controller.signal })).rejects.toBe(reason);
  });

  it('turns a stream error event into a typed error', async () => {
    const { context } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: error\ndata: {"status_code":401,"message":"Invalid API key"}\n\n');
    });
    const error = await waitForTask(context, textTo3d, 't1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyApiError);
    expect(error).toMatchObject({ status: 401, meshyMessage: 'Invalid API key' });
  });
});

describe('waitForTask: one total wait bound, stream or poll (issue 10)', () => {
  const sse = (body: unknown) => `event: message\ndata: ${JSON.stringify(body)}\n\n`;

  it('gives up on a stream stuck at 99 % at maxWaitMs, after one last read, with a typed error', async () => {
    const { context, server } = await setup(
      (req, res) => {
        if (!req.url!.endsWith('/stream')) return json(res, 200, task({ status: 'IN_PROGRESS', progress: 99, model_urls: null }));
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const timer = setInterval(() => res.write(sse({ id: 't1', status: 'IN_PROGRESS', progress: 99 })), 20);
        res.on('close', () => clearInterval(timer));
      },
      { maxWaitMs: 300 },
    );
    const started = Date.now();
    const error = await waitForTask(context, textTo3d, 't1').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(MeshyTaskTimeoutError);
    expect(error).toMatchObject({ code: 'MESHY_TASK_TIMEOUT', taskId: 't1' });
    expect((error as Error).message).toMatch(/task t1 is still IN_PROGRESS \(99%\) after 300 ms.*task journal.*next build resumes it/);
    expect(server.requests.map((r) => r.url)).toEqual(['/openapi/v2/text-to-3d/t1/stream', '/openapi/v2/text-to-3d/t1']);
  });

  it('bounds a Retry-After on a 200 read by the poll schedule and the deadline', async () => {
    let reads = 0;
    const { context } = await setup((_req, res) => (++reads === 1 ? json(res, 200, running, { 'retry-after': '100000' }) : json(res, 200, task({}))), {
      stream: false,
      pollIntervalMs: 100,
      maxWaitMs: 600,
    });
    const started = Date.now();
    await expect(waitForTask(context, textTo3d, 't1')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('pollDelayMs: the interval, a Retry-After up to 4 intervals (at least 5 s), never past the deadline', () => {
    expect(pollDelayMs(undefined, 1000, 60_000)).toBe(1000);
    expect(pollDelayMs(3000, 1000, 60_000)).toBe(3000);
    expect(pollDelayMs(100_000_000, 1000, 60_000)).toBe(5000);
    expect(pollDelayMs(100_000_000, 5000, 60_000)).toBe(20_000);
    expect(pollDelayMs(100_000_000, 5000, 7000)).toBe(7000);
    expect(pollDelayMs(200, 5, 60_000)).toBe(200);
    expect(pollDelayMs(0, 5000, -10)).toBe(0);
  });

  it('reads the task when the final stream event lacks its asset URLs', async () => {
    const { context, server, logs } = await setup((req, res) => {
      if (!req.url!.endsWith('/stream')) return json(res, 200, task({}));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ id: 't1', status: 'SUCCEEDED', progress: 100 }));
    });
    await expect(waitForTask(context, textTo3d, 't1')).resolves.toMatchObject({ model_urls: { glb: 'http://x/m.glb' } });
    expect(server.requests.map((r) => r.url)).toEqual(['/openapi/v2/text-to-3d/t1/stream', '/openapi/v2/text-to-3d/t1']);
    expect(logs.join('\n')).toMatch(/final event of its stream lacks what the plugin reads.*reading the task/);
  });

  it('reads the task when a final FAILED event lacks its reason', async () => {
    const { context } = await setup((req, res) => {
      if (!req.url!.endsWith('/stream')) return json(res, 200, task({ status: 'FAILED', task_error: { message: 'Out of ideas.' } }));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(sse({ id: 't1', status: 'FAILED', progress: 0 }));
    });
    await expect(waitForTask(context, textTo3d, 't1')).rejects.toThrow(/task t1 failed: Out of ideas\./);
  });

  it.each([
    ['not JSON', '{"status": "IN_PROG'],
    ['an unknown status', JSON.stringify({ id: 't1', status: 'THINKING', progress: 3 })],
  ])('falls back to polling on a malformed event (%s)', async (_name, data) => {
    const { context, logs } = await setup((req, res) => {
      if (!req.url!.endsWith('/stream')) return json(res, 200, task({}));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse({ id: 't1', status: 'IN_PROGRESS', progress: 10 }));
      res.write(`event: message\ndata: ${data}\n\n`);
    });
    await expect(waitForTask(context, textTo3d, 't1')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(logs.join('\n')).toMatch(/by polling: its stream sent an event that is not a task update/);
  });

  it('takes null progress and unread odd fields in stride', async () => {
    const { context } = await setup(
      (_req, res) => json(res, 200, task({ progress: null, prompt: null, texture_urls: [null], task_error: { message: null }, thumbnail_url: 7 })),
      { stream: false },
    );
    const done = await waitForTask(context, textTo3d, 't1');
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 0, texture_urls: [null], thumbnail_url: 7 });
    expect(done.prompt).toBeUndefined();
  });
});
