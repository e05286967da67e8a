import { describe, expect, it } from 'vitest';
import { createDedupe } from '../../src/generate/dedupe.js';

describe('createDedupe', () => {
  it('shares one pending call per key, keeps keys apart, and forgets a key once it settled', async () => {
    const shared = createDedupe<string, number>();
    let calls = 0;
    const produce = (value: number) => async () => {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return value;
    };
    const [a, b, c] = await Promise.all([shared('k', produce(1)), shared('k', produce(2)), shared('other', produce(3))]);
    expect([a, b, c]).toEqual([1, 1, 3]);
    expect(calls).toBe(2);
    expect(await shared('k', produce(4))).toBe(4);
    expect(calls).toBe(3);
  });

  it('forgets a failed call too, so the next one retries', async () => {
    const shared = createDedupe<string, number>();
    await expect(shared('k', () => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
    expect(await shared('k', async () => 7)).toBe(7);
  });
});
