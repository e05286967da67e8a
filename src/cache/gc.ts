import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type JournalEntry, listJournal, removeJournal } from './journal.js';
import { type ManifestEntry, resultFileOf } from './manifest.js';
import { imageCopySha256, isRawSidecar, optimizedPaths, rawFileSha256, readManifest, removeManifestEntries, type StoreLayout } from './store.js';

/** What nothing in use refers to any more: what `gc` may delete. */
export interface Garbage {
  /** Manifest entries of keys not in use, in manifest order. */
  entries: { key: string; entry: ManifestEntry }[];
  /** Raw files no entry in use names (names in `raw/`): unused models, earlier rolls of regenerated ones. */
  rawFiles: string[];
  rawBytes: number;
  /** The sidecars of those raw files (`raw/<sha256>.json`), or of raw files already gone. */
  sidecars: string[];
  /** Optimized models made from raw files that go (their keys: a GLB and its meta file each). */
  optimized: string[];
  /** Copies of raw images that go (names in `optimized/`). */
  imageCopies: string[];
  /** Unfinished or failed generations of keys not in use. */
  journals: JournalEntry[];
}

/** Lists the garbage of a store whose users need the spec keys `usedKeys`. Deletes nothing. */
export async function listGarbage(layout: StoreLayout, usedKeys: ReadonlySet<string>): Promise<Garbage> {
  const manifest = await readManifest(layout);
  const entries = Object.entries(manifest.entries).map(([key, entry]) => ({ key, entry }));
  const keptRaw = new Set(entries.filter(({ key }) => usedKeys.has(key)).map(({ entry }) => resultFileOf(entry).sha256));
  const unkept = (await listDir(layout.raw)).filter((name) => !keptRaw.has(rawFileSha256(name)));
  const rawFiles = unkept.filter((name) => !isRawSidecar(name));
  let rawBytes = 0;
  for (const name of rawFiles) rawBytes += (await stat(join(layout.raw, name)).catch(() => ({ size: 0 }))).size;
  const optimizedNames = await listDir(layout.optimized);
  const imageCopies = optimizedNames.filter((name) => {
    const sha = imageCopySha256(name);
    return sha !== undefined && !keptRaw.has(sha);
  });
  const optimized: string[] = [];
  for (const name of optimizedNames.filter((n) => n.endsWith('.json'))) {
    const key = name.slice(0, -'.json'.length);
    const rawSha256 = await optimizedSource(layout, key);
    if (rawSha256 && !keptRaw.has(rawSha256)) optimized.push(key);
  }
  return {
    entries: entries.filter(({ key }) => !usedKeys.has(key)),
    rawFiles,
    rawBytes,
    sidecars: unkept.filter(isRawSidecar),
    optimized,
    imageCopies,
    journals: (await listJournal(layout)).filter((entry) => !usedKeys.has(entry.key)),
  };
}

/** Deletes what `listGarbage` found. */
export async function removeGarbage(layout: StoreLayout, garbage: Garbage): Promise<void> {
  await removeManifestEntries(
    layout,
    garbage.entries.map(({ key }) => key),
  );
  const remove = (path: string) => rm(path, { force: true });
  await Promise.all([
    ...[...garbage.rawFiles, ...garbage.sidecars].map((name) => remove(join(layout.raw, name))),
    ...garbage.optimized.flatMap((key) => Object.values(optimizedPaths(layout, key)).map(remove)),
    ...garbage.imageCopies.map((name) => remove(join(layout.optimized, name))),
    ...garbage.journals.map((entry) => removeJournal(layout, entry.key)),
  ]);
}

/** The raw file an optimized model was made from, as its meta file records it. */
async function optimizedSource(layout: StoreLayout, key: string): Promise<string | undefined> {
  const text = await readFile(optimizedPaths(layout, key).meta, 'utf8').catch(() => '{}');
  return (JSON.parse(text) as { rawSha256?: string }).rawSha256;
}

function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}
