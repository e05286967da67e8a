import { describe, expect, it } from 'vitest';
import { createProgressPrinter } from '../../src/generate/progress.js';

describe('the progress printer and a full Meshy queue', () => {
  it('prints one queue line when the queue fills, then at most one per interval while it changes, never one per model', () => {
    const lines: string[] = [];
    let time = 0;
    const print = createProgressPrinter((line) => lines.push(line), { intervalMs: 1000, now: () => time });
    const waiting = (label: string, waitingCount: number, limit: number | undefined = 2) =>
      print({ label, stage: 'preview', status: 'WAITING', progress: 0, taskId: '', queue: { inUse: limit ?? 0, limit, waiting: waitingCount } });
    // Four held creates are each told of the same queue: one line.
    for (const label of ['a', 'b', 'c', 'd']) waiting(label, 4);
    time = 500;
    for (const label of ['b', 'c', 'd']) waiting(label, 3); // too soon after the last queue line
    time = 1500;
    for (const label of ['c', 'd']) waiting(label, 2);
    time = 3000;
    waiting('d', 1);
    waiting('d', 1, undefined);
    print({ label: 'd', stage: 'preview', status: 'PENDING', progress: 0, taskId: 't4' });
    expect(lines).toEqual([
      "Meshy's queue is full (2 of 2 in use): 4 models waiting",
      "Meshy's queue is full (2 of 2 in use): 2 models waiting",
      "Meshy's queue is full (2 of 2 in use): 1 model waiting",
      '"d" preview pending (0s)',
    ]);
  });

  it('says so when other clients of the account hold every slot', () => {
    const lines: string[] = [];
    const print = createProgressPrinter((line) => lines.push(line));
    print({ label: 'a', stage: 'preview', status: 'WAITING', progress: 0, taskId: '', queue: { inUse: 0, limit: undefined, waiting: 1 } });
    expect(lines).toEqual(["Meshy's queue is full (other clients of the account hold its slots): 1 model waiting"]);
  });
});
