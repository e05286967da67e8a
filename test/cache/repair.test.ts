import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  type ManifestEntry,
  putRawModel,
  readManifest,
  recordManifestEntry,
  repairManifest,
  serializeManifest,
  storeLayout,
  writeRawSidecar,
} from '../../src/cache/index.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

/** A store with three paid models, each with its raw file and sidecar, as a generation leaves them. */
async function paidStore() {
  const layout = storeLayout(await tempDir());
  const entries: Record<string, ManifestEntry> = {};
  for (const label of ['anvil', 'barrel', 'crate']) {
    const glb = await putRawModel(layout, await tinyGlb(label));
    const entry: ManifestEntry = {
      kind: 'prompt',
      label,
      namespace: 'test',
      model: 'meshy-7.1',
      request: { preview: { prompt: label } },
      tasks: [{ stage: 'preview', id: `task-${label}`, createdAt: 1, credits: 20 }],
      credits: 20,
      files: { glb },
      createdAt: new Date(2025, 0, 1).toISOString(),
    };
    entries[`key-${label}`] = entry;
    await writeRawSidecar(layout, `key-${label}`, entry);
    await recordManifestEntry(layout, `key-${label}`, entry);
  }
  return { layout, entries };
}

describe('repair', () => {
  it('rebuilds a lost manifest from the sidecars, paying for nothing', async () => {
    const { layout, entries } = await paidStore();
    await rm(layout.manifest);
    const report = await repairManifest(layout);
    expect(report).toMatchObject({ condition: 'missing', kept: [], dropped: [], orphans: [], written: true });
    expect(report.restored.map(({ key }) => key).sort()).toEqual(Object.keys(entries).sort());
    expect((await readManifest(layout)).entries).toEqual(entries);
  });

  it('keeps the intact entries of both sides of a git conflict and restores the rest; the broken file is kept', async () => {
    const { layout, entries } = await paidStore();
    const [anvil, barrel] = [entries['key-anvil']!, entries['key-barrel']!];
    // Ours added the anvil, theirs the barrel; the crate is in neither side (a bad merge lost it).
    const ours = serializeManifest({ version: 1, entries: { 'key-anvil': anvil } }).split('\n');
    const theirs = serializeManifest({ version: 1, entries: { 'key-barrel': barrel } }).split('\n');
    const conflicted = [
      ...ours.slice(0, 2),
      '<<<<<<< HEAD',
      ...ours.slice(2, -3),
      '=======',
      ...theirs.slice(2, -3),
      '>>>>>>> teammate',
      ...ours.slice(-3),
    ].join('\n');
    await writeFile(layout.manifest, conflicted);
    await expect(readManifest(layout)).rejects.toThrow(/git conflict markers/);

    const report = await repairManifest(layout, new Date(Date.UTC(2025, 5, 1)));
    expect(report.condition).toBe('conflicted');
    expect(report.kept.sort()).toEqual(['key-anvil', 'key-barrel']);
    expect(report.restored.map(({ key }) => key)).toEqual(['key-crate']);
    expect((await readManifest(layout)).entries).toEqual(entries);
    expect(report.backup).toBe(`${layout.dir}/manifest.broken-2025-06-01T00-00-00-000Z.json`);
    expect(await readFile(report.backup!, 'utf8')).toBe(conflicted);
  });

  it('keeps the entries of a manifest that parses but has a damaged entry, restoring that one from its sidecar', async () => {
    const { layout, entries } = await paidStore();
    const broken = { version: 1, entries: { ...entries, 'key-crate': { label: 'crate', kind: 7 } } };
    await writeFile(layout.manifest, JSON.stringify(broken));
    const report = await repairManifest(layout);
    expect(report).toMatchObject({ condition: 'invalid', dropped: [] });
    expect(report.kept.sort()).toEqual(['key-anvil', 'key-barrel']);
    expect(report.restored.map(({ key }) => key)).toEqual(['key-crate']);
    expect((await readManifest(layout)).entries).toEqual(entries);
  });

  it('says what it cannot restore: raw files without a sidecar (older stores), entries with neither', async () => {
    const { layout, entries } = await paidStore();
    const crate = entries['key-crate']!;
    const crateSha = 'glb' in crate.files ? crate.files.glb.sha256 : '';
    await rm(`${layout.raw}/${crateSha}.json`);
    await writeFile(layout.manifest, JSON.stringify({ version: 1, entries: { 'key-anvil': entries['key-anvil'], 'key-lost': { kind: 'x' } } }));
    const report = await repairManifest(layout);
    expect(report.kept).toEqual(['key-anvil']);
    expect(report.restored.map(({ key }) => key)).toEqual(['key-barrel']);
    expect(report.dropped).toEqual(['key-lost']);
    expect(report.orphans).toEqual([`${crateSha}.glb`]);
  });

  it('an intact manifest: nothing written; sidecars are added for entries of an older store that had none', async () => {
    const { layout, entries } = await paidStore();
    for (const name of (await readdir(layout.raw)).filter((n) => n.endsWith('.json'))) await rm(`${layout.raw}/${name}`);
    const before = await readFile(layout.manifest, 'utf8');
    const report = await repairManifest(layout);
    expect(report).toMatchObject({ condition: 'intact', restored: [], written: false, sidecarsWritten: 3 });
    expect(await readFile(layout.manifest, 'utf8')).toBe(before);
    // Those sidecars now restore a manifest lost later.
    await rm(layout.manifest);
    await repairManifest(layout);
    expect((await readManifest(layout)).entries).toEqual(entries);
  });

  it('restores an entry whose raw file is gone (it records what was paid for) and reports it', async () => {
    const { layout, entries } = await paidStore();
    const anvil = entries['key-anvil']!;
    const sha = 'glb' in anvil.files ? anvil.files.glb.sha256 : '';
    await rm(`${layout.raw}/${sha}.glb`);
    await writeFile(layout.manifest, 'garbage');
    const report = await repairManifest(layout);
    expect(report.condition).toBe('unparsable');
    expect(report.damaged).toEqual([{ key: 'key-anvil', entry: anvil, damage: { path: `${layout.raw}/${sha}.glb`, cause: 'missing' } }]);
    expect((await readManifest(layout)).entries['key-anvil']).toEqual(anvil);
  });

  it('picks the latest roll of a regenerated model among its sidecars', async () => {
    const { layout, entries } = await paidStore();
    const reroll = {
      ...entries['key-anvil']!,
      files: { glb: await putRawModel(layout, await tinyGlb('anvil, second roll')) },
      createdAt: new Date(2025, 1, 1).toISOString(),
    };
    await writeRawSidecar(layout, 'key-anvil', reroll);
    await rm(layout.manifest);
    await repairManifest(layout);
    expect((await readManifest(layout)).entries['key-anvil']).toEqual(reroll);
  });
});
