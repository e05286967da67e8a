import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStoreGitignore, storeLayout } from '../../src/cache/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

/** The README's table of the store: each top-level name (`optimized/`, `manifest.json`) with its mark, `commit` or `ignored`. */
async function readmeStoreTable(): Promise<Map<string, string>> {
  const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Caching, and what to commit'));
  const block = /```\n\.meshy\/\n([\s\S]*?)```/.exec(section)![1]!;
  const table = new Map<string, string>();
  for (const line of block.trimEnd().split('\n')) {
    const [, path, mark] = /^ {2}(\S+)\s.*\((commit|ignored)\)$/.exec(line) ?? [];
    expect(path, `a README line without (commit) or (ignored): ${line}`).toBeDefined();
    const topLevel = /^[^/]+\/?/.exec(path!)![0];
    expect(table.get(topLevel) ?? mark).toBe(mark);
    table.set(topLevel, mark!);
  }
  return table;
}

describe("the store's .gitignore", () => {
  it('ignores exactly what the README marks (ignored), and nothing it says to commit', async () => {
    const table = await readmeStoreTable();
    const dir = await tempDir();
    const layout = storeLayout(join(dir, '.meshy'));
    await ensureStoreGitignore(layout);
    const ignored = (await readFile(join(layout.dir, '.gitignore'), 'utf8')).split('\n').filter((line) => line && !line.startsWith('#'));
    expect(ignored.toSorted()).toEqual(
      [...table]
        .filter(([, mark]) => mark === 'ignored')
        .map(([path]) => path)
        .toSorted(),
    );
    expect([...table].filter(([, mark]) => mark === 'commit').map(([path]) => path)).toEqual(['.gitignore', 'manifest.json', 'raw/', 'models.d.ts']);
  });

  it('replaces the one an earlier version wrote, and leaves an edited one alone', async () => {
    const layout = storeLayout(join(await tempDir(), '.meshy'));
    await ensureStoreGitignore(layout);
    const current = await readFile(join(layout.dir, '.gitignore'), 'utf8');
    await writeFile(join(layout.dir, '.gitignore'), '# written by vite-plugin-meshy: commit the rest of this folder\nlocks/\ntmp/\n');
    await ensureStoreGitignore(layout);
    expect(await readFile(join(layout.dir, '.gitignore'), 'utf8')).toBe(current);
    await writeFile(join(layout.dir, '.gitignore'), 'locks/\ntmp/\njournal/\n');
    await ensureStoreGitignore(layout);
    expect(await readFile(join(layout.dir, '.gitignore'), 'utf8')).toBe('locks/\ntmp/\njournal/\n');
  });
});
