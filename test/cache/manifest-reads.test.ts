import { copyFile, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { describe, expect, it, vi } from 'vitest';
import { type ManifestEntry, readManifest, readManifestEntry, readOptimized, recordManifestEntry, storeLayout, writeOptimized } from '../../src/cache/index.js';
import { manifestSchema } from '../../src/cache/manifest.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

function entry(label: string): ManifestEntry {
  return {
    kind: 'prompt',
    label,
    namespace: 'test',
    model: 'meshy-7.1',
    request: { prompt: label },
    tasks: [{ stage: 'preview', id: `task-${label}`, createdAt: 1, finishedAt: 2, credits: 20 }],
    credits: 20,
    files: { glb: { sha256: 'a'.repeat(64), bytes: 10 } },
    createdAt: new Date(0).toISOString(),
  };
}

describe('reading manifest entries', () => {
  it('validates the manifest once for many lookups, and again only once it changed on disk', async () => {
    const layout = storeLayout(await tempDir());
    await recordManifestEntry(layout, 'k1', entry('one'));
    const validate = vi.spyOn(manifestSchema, 'safeParse');
    try {
      for (let i = 0; i < 50; i++) expect((await readManifestEntry(layout, 'k1'))?.label).toBe('one');
      expect(validate.mock.calls.length).toBeLessThanOrEqual(1);

      // Another process's write: a new file renamed into place.
      const manifest = await readManifest(layout);
      manifest.entries.k2 = entry('two');
      await writeFile(`${layout.manifest}.next`, JSON.stringify(manifest));
      await rename(`${layout.manifest}.next`, layout.manifest);
      expect((await readManifestEntry(layout, 'k2'))?.label).toBe('two');

      // Our own write is seen at once.
      await recordManifestEntry(layout, 'k3', entry('three'));
      expect((await readManifestEntry(layout, 'k3'))?.label).toBe('three');
    } finally {
      validate.mockRestore();
    }
  });
});

describe('reading optimized files', () => {
  it('does not hash a file again in a later process while its stat is the one recorded when it was last hashed', async () => {
    const layout = storeLayout(await tempDir());
    const { path } = await writeOptimized(layout, 'k', await tinyGlb(), { note: 'meta' });
    const metaPath = path.replace(/\.glb$/, '.json');
    const stampOf = async () => {
      const { ino, size, mtimeMs, ctimeMs } = await stat(path);
      return `${ino} ${size} ${mtimeMs} ${ctimeMs}`;
    };
    const recorded = async () => (JSON.parse(await readFile(metaPath, 'utf8')) as { integrity: { verified?: string } }).integrity.verified;
    expect(await recorded()).toBe(await stampOf());

    // A copy moved into place (a new inode): hashed once, and its new stamp recorded for the next process.
    await copyFile(path, `${path}.copy`);
    await rename(`${path}.copy`, path);
    expect(await recorded()).not.toBe(await stampOf());
    expect(await readOptimized(layout, 'k')).toMatchObject({ path });
    expect(await recorded()).toBe(await stampOf());
    expect(await readOptimized(layout, 'k')).not.toHaveProperty('meta.integrity');
  });

  it('hashes a file once per process, and still sees a damage done in place after that', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    const { path } = await writeOptimized(layout, 'k', glb, { note: 'meta' });
    expect(await readOptimized(layout, 'k')).toMatchObject({ path });
    expect(await readOptimized(layout, 'k')).toMatchObject({ path });
    // Same size, same place: only the content (and so the change time) differs.
    const file = await open(path, 'r+');
    await file.write(new Uint8Array(4), 0, 4, 0);
    await file.close();
    const damaged: string[] = [];
    expect(await readOptimized(layout, 'k', (damage) => damaged.push(damage.cause))).toBeUndefined();
    expect(damaged).toHaveLength(1);
  });
});
