import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../src/generate/limit.js';
import { createProgressPrinter } from '../../src/generate/progress.js';

describe('createLimiter', () => {
  it('never runs more than N jobs at once and runs them all', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(peak).toBe(2);
  });

  it('keeps going after a job fails', async () => {
    const limit = createLimiter(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(async () => 'next')).resolves.toBe('next');
  });
});

describe('createProgressPrinter', () => {
  it('prints on status changes and sparingly on progress', () => {
    const lines: string[] = [];
    let time = 0;
    const print = createProgressPrinter((line) => lines.push(line), { stepPercent: 25, intervalMs: 1000, now: () => time });
    const update = (status: string, progress: number) => print({ label: 'helmet', stage: 'preview', status, progress, taskId: 't1' });
    update('PENDING', 0);
    update('IN_PROGRESS', 1);
    time = 500;
    update('IN_PROGRESS', 40); // too soon
    time = 2000;
    update('IN_PROGRESS', 45);
    update('IN_PROGRESS', 50); // too soon again
    time = 9000;
    update('SUCCEEDED', 100);
    expect(lines).toEqual(['"helmet" preview pending (0s)', '"helmet" preview 1% (0s)', '"helmet" preview 45% (2s)', '"helmet" preview succeeded (9s)']);
  });
});
