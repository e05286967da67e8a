import { afterEach, describe, expect, it } from 'vitest';
import { MeshyApiError, MeshyResponseError } from '../../src/meshy/errors.js';
import { textTo3d } from '../../src/meshy/resources.js';
import { type WaitContext, waitForTask } from '../../src/meshy/wait.js';
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
