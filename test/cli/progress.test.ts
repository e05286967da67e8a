import { describe, expect, it } from 'vitest';
import { barLine, createProgressDisplay } from '../../src/cli/progress.js';

describe('the prefetch progress display and a full Meshy queue', () => {
  it('shows running and waiting models apart on the bar', () => {
    const models = [
      { label: 'a kettle', stage: 'refine', progress: 40, waiting: false },
      { label: 'a lamp', stage: 'preview', progress: 10, waiting: false },
      { label: 'a chair', stage: 'preview', progress: 0, waiting: true },
      { label: 'a desk', stage: 'preview', progress: 0, waiting: true },
    ];
    expect(barLine(2, 6, models)).toBe("[########................] 2/6  2 running, 2 waiting for Meshy's queue  a kettle refine 40% | a lamp preview 10%");
    expect(barLine(0, 1, [])).toBe('[........................] 0/1  0 running');
  });

  it('in CI logs prints nothing for a waiting model, and a line when its task starts', () => {
    const lines: string[] = [];
    const display = createProgressDisplay((line) => lines.push(line), 2, false);
    display.progress('k', 'a chair', 'preview', 0, 'WAITING');
    display.progress('k', 'a chair', 'preview', 0, 'WAITING');
    display.progress('k', 'a chair', 'preview', 0, 'PENDING');
    display.progress('k', 'a chair', 'preview', 10, 'IN_PROGRESS');
    display.progress('k', 'a chair', 'preview', 30, 'IN_PROGRESS');
    expect(lines).toEqual(['         "a chair" preview 0%', '         "a chair" preview 30%']);
  });
});
