import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sweepTempFiles, writeFileAtomic } from '../../src/cache/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

describe('atomic writes', () => {
  it('writes through a temp file and leaves nothing behind', async () => {
    const dir = await tempDir();
    await writeFileAtomic(join(dir, 'out/file.txt'), 'hello', join(dir, 'tmp'));
    expect(await readFile(join(dir, 'out/file.txt'), 'utf8')).toBe('hello');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('sweeps temp files of dead writers only', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, '.111-abcdef.tmp'), 'partial');
    await writeFile(join(dir, '.222-abcdef.tmp'), 'in progress');
    await writeFile(join(dir, 'unrelated.txt'), 'x');
    const removed = await sweepTempFiles(dir, (pid) => pid === 222);
    expect(removed).toBe(1);
    expect((await readdir(dir)).sort()).toEqual(['.222-abcdef.tmp', 'unrelated.txt']);
  });
});
