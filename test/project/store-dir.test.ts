import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject } from '../../src/project/index.js';

describe('the storeDir option', () => {
  it('places the store; its deprecated name cacheDir still works, with one warning per process', async () => {
    const root = '/tmp/meshy-store-dir-test';
    const warnings: string[] = [];
    const logSink = { info() {}, warn: (line: string) => warnings.push(line), error() {} };
    expect(createProject({ storeDir: 'models' }, { root, logSink }).layout.dir).toBe(join(root, 'models'));
    expect(createProject({}, { root, logSink }).layout.dir).toBe(join(root, '.meshy'));
    expect(warnings).toEqual([]);
    const first = createProject({ cacheDir: 'old' }, { root, logSink });
    expect(first.layout.dir).toBe(join(root, 'old'));
    createProject({ cacheDir: 'old' }, { root, logSink });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[meshy\] .*the option `cacheDir` is deprecated: rename it to `storeDir`/);
  });
});
