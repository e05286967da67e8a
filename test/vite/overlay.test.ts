import { describe, expect, it } from 'vitest';
import { overlayModuleCode, overlayRowText } from '../../src/vite/overlay.js';

describe('the dev overlay', () => {
  it('says each state once', () => {
    const run = { label: 'a crate', stage: 'refine', status: 'IN_PROGRESS', progress: 40 };
    expect(overlayRowText(run, 12_300)).toBe('"a crate" refine 40% (12s)');
    expect(overlayRowText({ ...run, status: 'FAILED' }, 2000)).toBe('"a crate" refine failed (2s)');
    // A server of an earlier version named the stage of a failed run `failed`.
    expect(overlayRowText({ ...run, stage: 'failed', status: 'FAILED' }, 2000)).toBe('"a crate" failed (2s)');
    expect(overlayRowText({ ...run, stage: 'queued', status: 'PENDING' }, -5)).toBe('"a crate" queued pending (0s)');
  });

  it('runs the row function in the browser as plain JavaScript', () => {
    for (const emulated of [false, true]) {
      const code = overlayModuleCode({ emulated });
      expect(code).toContain(`const rowText = ${overlayRowText.toString()};`);
      // Parses as a script once `import.meta` is out of the way.
      expect(() => new Function(code.replaceAll('import.meta.hot', 'undefined'))).not.toThrow();
    }
    expect(overlayRowText.toString()).not.toMatch(/: (string|number)\b/);
  });
});
