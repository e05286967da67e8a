import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MeshyApiError, MeshyNetworkError, MeshyResponseError } from '../../src/meshy/errors.js';
import { apiError, callMeshy, mayRetry, parseShape, sendOnce } from '../../src/meshy/transport.js';
import { type Handler, json, startFakeServer } from './fake-server.js';
import { TEST_KEY, testTransport } from './transport-context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(handler: Handler, retries = 3) {
  const server = await startFakeServer(handler);
  const context = testTransport(server.url, retries);
  cleanups.push(context.close, server.close);
  return { server, ...context };
}

const apiFailure = (status: number, meshyMessage = '') => new MeshyApiError({ status, meshyMessage, method: 'GET', path: '/x' });
const networkFailure = (notSent: boolean) => new MeshyNetworkError('reset', { cause: new Error('reset'), notSent, method: 'GET', path: '/x' });

describe('mayRetry', () => {
  it('retries reads and deletes on rate limits, server errors and any network failure', () => {
    for (const method of ['GET', 'DELETE'] as const) {
      expect(mayRetry(method, apiFailure(429))).toBe(true);
      expect(mayRetry(method, apiFailure(500))).toBe(true);
      expect(mayRetry(method, apiFailure(503))).toBe(true);
      expect(mayRetry(method, networkFailure(false))).toBe(true);
      expect(mayRetry(method, networkFailure(true))).toBe(true);
      expect(mayRetry(method, apiFailure(400))).toBe(false);
      expect(mayRetry(method, apiFailure(404))).toBe(false);
      expect(mayRetry(method, new MeshyResponseError('bad shape', {}))).toBe(false);
    }
  });

  it('sends a create again only when it certainly created nothing', () => {
    expect(mayRetry('POST', apiFailure(429, 'RateLimitExceeded'))).toBe(true);
    expect(mayRetry('POST', apiFailure(429, 'NoMoreConcurrentTasks'))).toBe(true);
    expect(mayRetry('POST', networkFailure(true))).toBe(true);
    expect(mayRetry('POST', networkFailure(false))).toBe(false);
    expect(mayRetry('POST', apiFailure(500))).toBe(false);
    expect(mayRetry('POST', apiFailure(502))).toBe(false);
    expect(mayRetry('POST', apiFailure(402))).toBe(false);
  });
});

describe('sendOnce', () => {
  it('sends the key and JSON, and parses the answer with its headers', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 202, { result: 'abc' }, { 'x-extra': 'yes' }));
    const answer = await sendOnce(transport, { method: 'POST', path: '/openapi/v2/text-to-3d', body: { prompt: 'x' }, what: 'create' });
    expect(answer).toMatchObject({ status: 202, json: { result: 'abc' }, headers: { 'x-extra': 'yes' } });
    expect(server.requests[0]!.headers).toMatchObject({ authorization: `Bearer ${TEST_KEY}`, 'content-type': 'application/json' });
  });

  it('reads an empty body as null, and rejects one that is not JSON', async () => {
    let calls = 0;
    const { transport } = await setup((_req, res) => (++calls === 1 ? res.end() : res.end('<html>')));
    await expect(sendOnce(transport, { method: 'DELETE', path: '/t/1', what: 'delete' })).resolves.toMatchObject({ json: null });
    await expect(sendOnce(transport, { method: 'GET', path: '/t/1', what: 'get' })).rejects.toBeInstanceOf(MeshyResponseError);
  });

  it('maps an error status to a MeshyApiError with its Retry-After, request id and no key', async () => {
    const { transport } = await setup((_req, res) => json(res, 429, { message: `slow down ${TEST_KEY}` }, { 'retry-after': '2', 'x-request-id': 'r-1' }));
    const error = await sendOnce(transport, { method: 'GET', path: '/t/1', what: 'get' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyApiError);
    expect(error).toMatchObject({ status: 429, code: 'MESHY_RATE_LIMITED', retryAfterMs: 2000 });
    expect((error as MeshyApiError).context).toMatchObject({ requestId: 'r-1' });
    expect((error as Error).message).not.toContain(TEST_KEY);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const { transport } = await setup(() => undefined); // never answers
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 20);
    await expect(sendOnce(transport, { method: 'GET', path: '/t/1', what: 'get', signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('callMeshy', () => {
  it('retries a read through server errors, logging each retry', async () => {
    let calls = 0;
    const { transport, logs } = await setup((_req, res) => (++calls < 3 ? json(res, 502, { message: 'Bad gateway' }) : json(res, 200, { ok: true })));
    await expect(callMeshy(transport, { method: 'GET', path: '/t/1', what: 'GET thing' })).resolves.toMatchObject({ json: { ok: true } });
    expect(calls).toBe(3);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/^GET thing: .*Bad gateway.*; retrying in \d+\.\d s \(1\/3\)$/);
  });

  it('does not send a create again after a server error', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 500, { message: 'oops' }));
    await expect(callMeshy(transport, { method: 'POST', path: '/t', body: {}, what: 'create' })).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
  });

  it('waits out a full queue far longer than other failures', async () => {
    let calls = 0;
    const { transport, logs } = await setup(
      (_req, res) => (++calls <= 5 ? json(res, 429, { message: 'NoMoreConcurrentTasks' }) : json(res, 202, { result: 'q' })),
      1,
    );
    await expect(callMeshy(transport, { method: 'POST', path: '/t', body: {}, what: 'create' })).resolves.toMatchObject({ json: { result: 'q' } });
    expect(calls).toBe(6);
    expect(logs.at(-1)).toMatch(/\(5\/12\)$/);
  });
});

describe('apiError and parseShape', () => {
  it('falls back to the start of a body that is not JSON', async () => {
    const { transport } = await setup(() => undefined);
    const error = apiError(transport, 'GET', '/x', 502, '<html>Bad gateway</html>', {});
    expect(error).toMatchObject({ status: 502, meshyMessage: '<html>Bad gateway</html>', code: 'MESHY_SERVER_ERROR' });
  });

  it('names the first wrong field', () => {
    const schema = z.object({ balance: z.number() });
    expect(() => parseShape(schema, { balance: 'lots' }, 'balance')).toThrow(/Meshy's balance did not have the documented shape \(balance: /);
    expect(parseShape(schema, { balance: 3 }, 'balance')).toEqual({ balance: 3 });
  });
});
