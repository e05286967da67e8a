import { describe, expect, it, vi } from 'vitest';
import { createRateGate, DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelayMs } from '../../src/meshy/retry.js';

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
