import { describe, expect, it, vi } from 'vitest';
import { MeshyApiError } from '../../src/meshy/errors.js';
import {
  createRateGate,
  DEFAULT_RETRY_POLICY,
  failedBeforeSending,
  parseRetryAfter,
  pause,
  retryBound,
  retryDelayMs,
  withRetries,
} from '../../src/meshy/retry.js';

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(0, policy, undefined, () => 0)).toBe(50);
    expect(retryDelayMs(0, policy, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(3, policy, undefined, () => 1)).toBe(800);
    expect(retryDelayMs(10, policy, undefined, () => 1)).toBe(1000);
  });

  it('waits at least as long as Retry-After asks', () => {
    expect(retryDelayMs(0, DEFAULT_RETRY_POLICY, 7000, () => 0)).toBe(7000);
  });

  it('parses Retry-After seconds and dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('spaces requests to the per-second limit', async () => {
    vi.useFakeTimers();
    try {
      const gate = createRateGate(4, () => Date.now());
      const done: number[] = [];
      [0, 1, 2].forEach((i) => void gate().then(() => done.push(i)));
      await vi.advanceTimersByTimeAsync(0);
      expect(done).toEqual([0]);
      await vi.advanceTimersByTimeAsync(250);
      expect(done).toEqual([0, 1]);
      await vi.advanceTimersByTimeAsync(250);
      expect(done).toEqual([0, 1, 2]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('withRetries', () => {
  const context = (logs: string[] = []) => ({ policy: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 }, log: (line: string) => logs.push(line) });
  const failing = (errors: unknown[], value = 'done') => {
    let calls = 0;
    const attempt = async () => {
      const error = errors[calls++];
      if (error) throw error;
      return value;
    };
    return { attempt, calls: () => calls };
  };

  it('retries what canRetry allows, up to the bound, logging each retry', async () => {
    const logs: string[] = [];
    const run = failing([new Error('a'), new Error('b')]);
    await expect(withRetries(context(logs), 'thing', run.attempt, () => true)).resolves.toBe('done');
    expect(run.calls()).toBe(3);
    expect(logs.map((line) => line.replace(/[\d.]+ s/, 'N s'))).toEqual(['thing: a; retrying in N s (1/2)', 'thing: b; retrying in N s (2/2)']);

    const exhausted = failing([new Error('a'), new Error('b'), new Error('c')]);
    await expect(withRetries(context(), 'thing', exhausted.attempt, () => true)).rejects.toThrow('c');
  });

  it('throws at once what canRetry refuses', async () => {
    const run = failing([new Error('fatal')]);
    await expect(withRetries(context(), 'thing', run.attempt, () => false)).rejects.toThrow('fatal');
    expect(run.calls()).toBe(1);
  });

  it('allows a full queue twelve times the retries', () => {
    const queueFull = new MeshyApiError({ status: 429, meshyMessage: 'NoMoreConcurrentTasks', method: 'POST', path: '/x' });
    const rateLimited = new MeshyApiError({ status: 429, meshyMessage: 'RateLimitExceeded', method: 'POST', path: '/x' });
    expect(retryBound(queueFull, DEFAULT_RETRY_POLICY)).toBe(60);
    expect(retryBound(rateLimited, DEFAULT_RETRY_POLICY)).toBe(5);
  });

  it('waits as long as a Retry-After asks', async () => {
    const logs: string[] = [];
    const slow = new MeshyApiError({ status: 429, meshyMessage: 'slow', method: 'GET', path: '/x', retryAfterMs: 300 });
    await withRetries({ policy: { retries: 1, baseDelayMs: 1, maxDelayMs: 100 }, log: (l) => logs.push(l) }, 'x', failing([slow]).attempt, () => true);
    expect(logs[0]).toMatch(/retrying in 0\.3 s/);
  });

  it("stops when aborted, with the signal's reason", async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled');
    setTimeout(() => controller.abort(reason), 20);
    const slowPolicy = { policy: { retries: 3, baseDelayMs: 10_000, maxDelayMs: 10_000 }, log: () => undefined };
    await expect(withRetries(slowPolicy, 'x', failing([new Error('a'), new Error('b')]).attempt, () => true, controller.signal)).rejects.toBe(reason);
  });
});

describe('pause', () => {
  it("resolves after the delay, and rejects with the signal's reason on abort", async () => {
    await expect(pause(1)).resolves.toBeUndefined();
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pause(10_000, controller.signal)).rejects.toBe(reason);
  });
});

describe('failedBeforeSending', () => {
  it('finds a connect-time error code anywhere in the cause chain', () => {
    expect(failedBeforeSending(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(failedBeforeSending(new Error('x', { cause: Object.assign(new Error('y'), { code: 'ENOTFOUND' }) }))).toBe(true);
    expect(failedBeforeSending(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });
});
