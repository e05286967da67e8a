import { afterEach, describe, expect, it } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import {
  createMeshyClient,
  MeshyApiError,
  type MeshyClient,
  MeshyDownloadError,
  MeshyNetworkError,
  MeshyTaskFailedError,
  textTo3d,
} from '../../src/meshy/index.js';
import { tinyGlb } from '../helpers/glb.js';
import { type Handler, json, startFakeServer } from './fake-server.js';

const KEY = 'msy_client_test_secret_key_123';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(handler: Handler, options: { stream?: boolean } = {}) {
  const server = await startFakeServer(handler);
  const logs: string[] = [];
  const client: MeshyClient = createMeshyClient({
    apiKey: KEY,
    baseUrl: server.url,
    stream: options.stream ?? false,
    pollIntervalMs: 5,
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    log: (line) => logs.push(line),
  });
  cleanups.push(
    () => client.close(),
    () => server.close(),
  );
  return { server, client, logs };
}

const task = (overrides: Record<string, unknown>) => ({
  id: 't1',
  type: 'text-to-3d-preview',
  status: 'SUCCEEDED',
  progress: 100,
  created_at: Date.now(),
  started_at: 0,
  finished_at: 0,
  task_error: { message: '' },
  consumed_credits: 20,
  model_urls: { glb: 'http://x/model.glb' },
  ...overrides,
});

describe('Meshy client requests', () => {
  it('sends the bearer key and JSON, and reads the created id', async () => {
    const { client, server } = await setup((_req, res) => json(res, 202, { result: 'abc' }));
    await expect(client.createTask(textTo3d, { mode: 'preview', prompt: 'x' })).resolves.toBe('abc');
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/openapi/v2/text-to-3d' });
    expect(request!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.parse(request!.body)).toEqual({ mode: 'preview', prompt: 'x' });
  });

  it.each([
    [400, 'MESHY_BAD_REQUEST', 'Invalid art_style'],
    [401, 'MESHY_UNAUTHORIZED', 'Invalid API key'],
    [402, 'MESHY_INSUFFICIENT_CREDITS', 'Insufficient credits'],
    [404, 'MESHY_NOT_FOUND', 'Task not found'],
  ])("maps %i to a typed error with Meshy's message and no key", async (status, code, message) => {
    const { client, server } = await setup((_req, res) => json(res, status, { message: `${message} for ${KEY}` }));
    const error = await client.getTask(textTo3d, 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyApiError);
    expect(error).toMatchObject({ code, status });
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(server.requests).toHaveLength(1); // 4xx other than 429 is not retried
  });

  it('retries 429 honouring Retry-After, and 5xx on reads', async () => {
    let calls = 0;
    const { client, logs } = await setup((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 429, { message: 'RateLimitExceeded' }, { 'retry-after': '0' });
      if (calls === 2) return json(res, 503, { message: 'busy' });
      json(res, 200, task({}));
    });
    await expect(client.getTask(textTo3d, 't1')).resolves.toMatchObject({ id: 't1', status: 'SUCCEEDED' });
    expect(calls).toBe(3);
    expect(logs.join('\n')).toMatch(/RateLimitExceeded[\s\S]*retrying/);
  });

  it('gives up after the retry bound', async () => {
    const { client, server } = await setup((_req, res) => json(res, 500, { message: 'Internal server error.' }));
    await expect(client.getTask(textTo3d, 't1')).rejects.toMatchObject({ code: 'MESHY_SERVER_ERROR' });
    expect(server.requests).toHaveLength(4);
  });

  it('waits out a full queue on create', async () => {
    let calls = 0;
    const { client } = await setup((_req, res) => (++calls < 3 ? json(res, 429, { message: 'NoMoreConcurrentTasks' }) : json(res, 202, { result: 'queued' })));
    await expect(client.createTask(textTo3d, { mode: 'preview', prompt: 'q' })).resolves.toBe('queued');
  });

  it('adopts the task of a create whose answer was lost instead of paying twice', async () => {
    let posts = 0;
    const { client, server } = await setup((req, res) => {
      if (req.method === 'POST') {
        posts++;
        req.socket.destroy(); // the request reached "Meshy", the answer is lost
        return;
      }
      json(res, 200, [task({ id: 'someone-elses', prompt: 'other' }), task({ id: 'lost-one', prompt: 'a lost lamp', status: 'PENDING' })]);
    });
    await expect(client.createTask(textTo3d, { mode: 'preview', prompt: 'a lost lamp' })).resolves.toBe('lost-one');
    expect(posts).toBe(1);
    expect(server.requests.some((r) => r.method === 'GET' && r.url.startsWith('/openapi/v2/text-to-3d?'))).toBe(true);
  });

  it('sends a lost create again only when Meshy lists no such task', async () => {
    let posts = 0;
    const { client } = await setup((req, res) => {
      if (req.method === 'POST') {
        if (++posts === 1) return json(res, 502, { message: 'Bad gateway' });
        return json(res, 202, { result: 'second' });
      }
      json(res, 200, []);
    });
    await expect(client.createTask(textTo3d, { mode: 'preview', prompt: 'p' })).resolves.toBe('second');
    expect(posts).toBe(2);
  });

  it('reports an unreachable server as a network error that was never sent', async () => {
    const client = createMeshyClient({ apiKey: KEY, baseUrl: 'http://127.0.0.1:1', retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } });
    cleanups.push(() => client.close());
    const error = await client.createTask(textTo3d, { mode: 'preview', prompt: 'p' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyNetworkError);
    expect(error).toMatchObject({ notSent: true });
    expect((error as Error).message).not.toContain(KEY);
  });

  it('rejects a response that does not match the documented shape', async () => {
    const { client } = await setup((_req, res) => json(res, 200, { id: 't1', status: 'DONE' }));
    await expect(client.getTask(textTo3d, 't1')).rejects.toMatchObject({ code: 'MESHY_UNEXPECTED_RESPONSE' });
  });
});

describe('following tasks', () => {
  it('polls until SUCCEEDED, reporting progress', async () => {
    let polls = 0;
    const { client } = await setup((_req, res) => {
      polls++;
      json(res, 200, polls < 3 ? task({ status: 'IN_PROGRESS', progress: polls * 40, model_urls: null }) : task({}));
    });
    const seen: number[] = [];
    const done = await client.waitForTask(textTo3d, 't1', { onProgress: (u) => seen.push(u.progress) });
    expect(done.model_urls?.glb).toBe('http://x/model.glb');
    expect(seen).toEqual([40, 80, 100]);
  });

  it('throws the task error of a FAILED task', async () => {
    const { client } = await setup((_req, res) =>
      json(
        res,
        200,
        task({ status: 'FAILED', progress: 30, task_error: { type: 'server_error', message: 'Failed to generate preview images. Please retry.' } }),
      ),
    );
    const error = await client.waitForTask(textTo3d, 't1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyTaskFailedError);
    expect((error as Error).message).toMatch(/task t1 failed: Failed to generate preview images\. Please retry\. \(server_error\)/);
  });

  it('follows the SSE stream to the full task object', async () => {
    const { client, server } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': ping\n\n');
        res.write(`event: message\ndata: ${JSON.stringify({ id: 't1', status: 'PENDING', progress: 0 })}\n\n`);
        res.write(`event: message\ndata: ${JSON.stringify({ id: 't1', status: 'IN_PROGRESS', progress: 50 })}\n\n`);
        res.end(`event: message\ndata: ${JSON.stringify(task({}))}\n\n`);
      },
      { stream: true },
    );
    const seen: string[] = [];
    const done = await client.waitForTask(textTo3d, 't1', { onProgress: (u) => seen.push(`${u.status}:${u.progress}`) });
    expect(done.status).toBe('SUCCEEDED');
    expect(seen).toEqual(['PENDING:0', 'IN_PROGRESS:50', 'SUCCEEDED:100']);
    expect(server.requests.map((r) => r.url)).toEqual(['/openapi/v2/text-to-3d/t1/stream']);
    expect(server.requests[0]!.headers.accept).toBe('text/event-stream');
  });

  it('falls back to polling when the stream drops', async () => {
    const { client, logs } = await setup(
      (req, res) => {
        if (req.url!.endsWith('/stream')) {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`event: message\ndata: ${JSON.stringify({ id: 't1', status: 'IN_PROGRESS', progress: 10 })}\n\n`);
          setTimeout(() => req.socket.destroy(), 10);
          return;
        }
        json(res, 200, task({}));
      },
      { stream: true },
    );
    await expect(client.waitForTask(textTo3d, 't1')).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(logs.join('\n')).toMatch(/polling/);
  });

  it('turns an SSE error event into a typed error', async () => {
    const { client } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`event: error\ndata: {"status_code":404,"message":"Task not found"}\n\n`);
      },
      { stream: true },
    );
    await expect(client.waitForTask(textTo3d, 'nope')).rejects.toMatchObject({ code: 'MESHY_NOT_FOUND' });
  });
});

describe('downloads', () => {
  it('downloads without the Authorization header and validates', async () => {
    const glb = await tinyGlb();
    const { client, server } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'model/gltf-binary', 'content-length': glb.byteLength });
      res.end(glb);
    });
    const bytes = await client.download(`${server.url}/assets/t1/model.glb?Expires=1&Signature=s`, { validate: assertGlb });
    expect(bytes).toEqual(glb);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('re-fetches a truncated or corrupt body, then gives up with a clear error', async () => {
    const glb = await tinyGlb();
    let calls = 0;
    const { client, server } = await setup((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(200, { 'content-length': glb.byteLength });
        res.write(glb.subarray(0, 40)); // shorter than declared: the connection drops mid-body
        setTimeout(() => res.socket?.destroy(), 5);
        return;
      }
      if (calls === 2) return res.end(Buffer.from('<html>not a model</html>'));
      res.end(glb);
    });
    await expect(client.download(`${server.url}/m.glb`, { validate: assertGlb })).resolves.toEqual(glb);
    expect(calls).toBe(3);

    const broken = await setup((_req, res) => res.end(Buffer.from('nope')));
    const error = await broken.client.download(`${broken.server.url}/m.glb?Signature=secret`, { validate: assertGlb }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyDownloadError);
    expect((error as Error).message).toMatch(/Could not download .*\/m\.glb: Not a valid GLB/);
    expect((error as Error).message).not.toContain('secret');
  });

  it('says an expired link must be refreshed or regenerated', async () => {
    const { client, server } = await setup((_req, res) => json(res, 403, { message: 'Forbidden' }));
    await expect(client.download(`${server.url}/m.glb`)).rejects.toMatchObject({ code: 'MESHY_ASSET_EXPIRED' });
    expect(server.requests).toHaveLength(1);
  });
});
