import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  entryStates,
  type FileRecord,
  type JournalStage,
  listGarbage,
  type ManifestEntry,
  paidEntry,
  putRawModel,
  recordManifestEntry,
  removeGarbage,
  storedEntry,
  storeLayout,
  writeContentCopy,
  writeJournal,
  writeOptimized,
} from '../../src/cache/index.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

function entry(label: string, glb: FileRecord): ManifestEntry {
  return {
    kind: 'prompt',
    label,
    namespace: 'test',
    model: 'meshy-7.1',
    request: { prompt: label },
    tasks: [{ stage: 'preview', id: `task-${label}`, createdAt: 1, credits: 20 }],
    credits: 20,
    files: { glb },
    createdAt: new Date(0).toISOString(),
  };
}

function stage(state: JournalStage['state'], taskId?: string): JournalStage {
  const error = state === 'failed' ? { error: { message: 'no' } } : {};
  return { stage: 'preview', state, ...(taskId ? { taskId } : {}), intentAt: 1, request: {}, updatedAt: 1, ...error };
}

describe('entry states', () => {
  it('tells stored, failed, pending and missing keys apart, and names a manifest entry whose raw file is gone', async () => {
    const layout = storeLayout(await tempDir());
    const stored = await putRawModel(layout, await tinyGlb('stored'));
    await recordManifestEntry(layout, 'stored', entry('stored', stored));
    await recordManifestEntry(layout, 'lost', entry('lost', { sha256: 'b'.repeat(64), bytes: 10 }));
    await writeJournal(layout, { version: 1, key: 'failed', label: 'failed', stages: [stage('failed', 't1')] });
    await writeJournal(layout, { version: 1, key: 'pending', label: 'pending', stages: [stage('created', 't2')] });
    await writeJournal(layout, { version: 1, key: 'sending', label: 'sending', stages: [stage('creating')] });

    const states = await entryStates(layout, ['stored', 'lost', 'failed', 'pending', 'sending', 'new']);
    expect(Object.fromEntries([...states].map(([key, state]) => [key, state.state]))).toEqual({
      stored: 'stored',
      lost: 'missing',
      failed: 'failed',
      pending: 'pending',
      sending: 'pending',
      new: 'missing',
    });
    expect(states.get('lost')).toMatchObject({ entry: { label: 'lost' } });
    expect(states.get('failed')).toMatchObject({ failed: { taskId: 't1' } });
    expect((await storedEntry(layout, 'stored'))?.label).toBe('stored');
    expect(await storedEntry(layout, 'lost')).toBeUndefined();
  });
});

describe('entry states of a damaged store', () => {
  it('a paid key whose raw file is an LFS pointer is missing with its entry and the damage; a journal that does not parse is unreadable', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await putRawModel(layout, await tinyGlb('pointer'));
    await recordManifestEntry(layout, 'pointer', entry('pointer', glb));
    await writeFile(join(layout.raw, `${glb.sha256}.glb`), 'version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n');
    await writeJournal(layout, { version: 1, key: 'broken', label: 'broken', stages: [stage('created', 't9')] });
    await writeFile(join(layout.journal, 'broken.json'), '{ "taskId": "t9", ');
    const states = await entryStates(layout, ['pointer', 'broken']);
    expect(states.get('pointer')).toEqual({
      state: 'missing',
      entry: entry('pointer', glb),
      damage: { path: join(layout.raw, `${glb.sha256}.glb`), cause: 'this is a Git LFS pointer: run git lfs pull' },
    });
    expect(states.get('broken')).toEqual({ state: 'unreadable', problem: expect.stringMatching(/broken\.json does not parse .*names Meshy task t9/) });
    expect(await paidEntry(layout, 'pointer')).toMatchObject({ entry: { label: 'pointer' }, damage: { cause: expect.stringMatching(/LFS/) } });
    expect(await paidEntry(layout, 'broken')).toBeUndefined();
  });
});

describe('garbage', () => {
  it('lists what no used key needs, and removes only that', async () => {
    const layout = storeLayout(await tempDir());
    const kept = await putRawModel(layout, await tinyGlb('kept'));
    const dropped = await putRawModel(layout, await tinyGlb('dropped'));
    await recordManifestEntry(layout, 'kept', entry('kept', kept));
    await recordManifestEntry(layout, 'dropped', entry('dropped', dropped));
    await writeOptimized(layout, 'opt-kept', await tinyGlb(), { rawSha256: kept.sha256 });
    await writeOptimized(layout, 'opt-dropped', await tinyGlb(), { rawSha256: dropped.sha256 });
    const png = new Uint8Array([1, 2, 3]);
    const copy = await writeContentCopy(layout, png, 'png');
    await writeJournal(layout, { version: 1, key: 'gone', label: 'gone', stages: [stage('failed', 't3')] });
    await writeFile(join(layout.raw, `${'c'.repeat(64)}.png`), png);

    const garbage = await listGarbage(layout, new Set(['kept']));
    expect(garbage.entries.map(({ key }) => key)).toEqual(['dropped']);
    expect(garbage.rawFiles.sort()).toEqual([`${dropped.sha256}.glb`, `${'c'.repeat(64)}.png`].sort());
    expect(garbage.rawBytes).toBe(dropped.bytes + png.byteLength);
    expect(garbage.optimized).toEqual(['opt-dropped']);
    expect(garbage.imageCopies).toEqual([copy.slice(layout.optimized.length + 1)]);
    expect(garbage.journals.map((journal) => journal.key)).toEqual(['gone']);

    await removeGarbage(layout, garbage);
    expect(await readdir(layout.raw)).toEqual([`${kept.sha256}.glb`]);
    expect((await readdir(layout.optimized)).sort()).toEqual(['opt-kept.glb', 'opt-kept.json']);
    expect(await readdir(layout.journal)).toEqual([]);
    expect([...(await entryStates(layout, ['kept', 'dropped'])).values()].map((state) => state.state)).toEqual(['stored', 'missing']);
  });
});
