import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';
import { withFileLock } from './lock.js';
import { hasConflictMarkers, type ManifestEntry, manifestEntrySchema, manifestSchema, rawSidecarSchema, resultFileOf, serializeManifest } from './manifest.js';
import { type FileDamage, inspectRawFile, isRawSidecar, rawFileSha256, type StoreLayout, writeRawSidecar } from './store.js';

/** What the manifest file was before a repair. */
type ManifestCondition = 'intact' | 'missing' | 'conflicted' | 'unparsable' | 'invalid';

export interface RepairReport {
  condition: ManifestCondition;
  /** Entries of the manifest that were intact, kept as they were (from both sides of a conflict). */
  kept: string[];
  /** Entries rebuilt from sidecars (`raw/<sha256>.json`). */
  restored: { key: string; entry: ManifestEntry }[];
  /** Entries of the manifest that did not parse and that no sidecar could restore. */
  dropped: string[];
  /** Raw files that no entry names and that have no sidecar (stores made before sidecars): nothing can restore their entries. */
  orphans: string[];
  /** Sidecars that do not parse. */
  unreadableSidecars: string[];
  /** Sidecars written now for kept entries that had none, so that a later repair can restore them. */
  sidecarsWritten: number;
  /** Entries whose raw file is missing or damaged (restored anyway: they record what was paid for). */
  damaged: { key: string; entry: ManifestEntry; damage: FileDamage }[];
  /** Where the broken manifest was saved before it was replaced. */
  backup?: string;
  /** Whether manifest.json was (re)written. */
  written: boolean;
}

/**
 * Rebuilds a lost, unparsable or git-conflicted manifest without paying for anything: the intact
 * entries it still has (both sides of a conflict) are kept, and every raw file's sidecar restores the
 * entry it was written with. The broken file is kept beside it. Runs under the manifest lock.
 */
export async function repairManifest(layout: StoreLayout, now = new Date()): Promise<RepairReport> {
  return withFileLock(join(layout.locks, 'manifest'), async () => {
    const text = await readFile(layout.manifest, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const found = salvageEntries(text);
    const entries: Record<string, ManifestEntry> = { ...found.entries };
    const sidecars = await readSidecars(layout);

    const restored: RepairReport['restored'] = [];
    for (const [key, candidates] of sidecars.byKey) {
      if (entries[key]) continue;
      const entry = await newestUsable(layout, candidates);
      entries[key] = entry;
      restored.push({ key, entry });
    }

    const named = new Set(Object.values(entries).map((entry) => resultFileOf(entry).sha256));
    const orphans = sidecars.dataFiles.filter((name) => !named.has(rawFileSha256(name)) && !sidecars.shas.has(rawFileSha256(name)));
    const damaged: RepairReport['damaged'] = [];
    let sidecarsWritten = 0;
    for (const [key, entry] of Object.entries(entries)) {
      const damage = await inspectRawFile(layout, resultFileOf(entry));
      if (damage) damaged.push({ key, entry, damage });
      else if (!sidecars.shas.has(resultFileOf(entry).sha256)) {
        await writeRawSidecar(layout, key, entry);
        sidecarsWritten++;
      }
    }

    const changed = found.condition !== 'intact' || restored.length > 0;
    let backup: string | undefined;
    if (changed && text !== undefined && found.condition !== 'intact') {
      backup = join(layout.dir, `manifest.broken-${now.toISOString().replace(/[:.]/g, '-')}.json`);
      await writeFileAtomic(backup, text, layout.tmp);
    }
    if (changed) await writeFileAtomic(layout.manifest, serializeManifest({ version: 1, entries }), layout.tmp);
    return {
      condition: found.condition,
      kept: Object.keys(found.entries),
      restored,
      dropped: found.dropped.filter((key) => !entries[key]),
      orphans,
      unreadableSidecars: sidecars.unreadable,
      sidecarsWritten,
      damaged,
      ...(backup ? { backup } : {}),
      written: changed,
    };
  });
}

/** The entries of a manifest's text that still parse, one by one; both sides of a git conflict are read. */
function salvageEntries(text: string | undefined): { condition: ManifestCondition; entries: Record<string, ManifestEntry>; dropped: string[] } {
  if (text === undefined) return { condition: 'missing', entries: {}, dropped: [] };
  if (hasConflictMarkers(text)) {
    const sides = conflictSides(text).map((side) => entriesOf(parseJson(side)));
    const entries: Record<string, ManifestEntry> = {};
    for (const side of sides) {
      for (const [key, entry] of Object.entries(side.entries)) if (!entries[key] || entry.createdAt > entries[key].createdAt) entries[key] = entry;
    }
    return { condition: 'conflicted', entries, dropped: [...new Set(sides.flatMap((side) => side.dropped))] };
  }
  const json = parseJson(text);
  if (json === undefined) return { condition: 'unparsable', entries: {}, dropped: [] };
  const salvaged = entriesOf(json);
  return { condition: manifestSchema.safeParse(json).success ? 'intact' : 'invalid', ...salvaged };
}

/** "ours" and "theirs" of every conflict block (the merge base of a diff3 conflict is left out), the rest in both. */
function conflictSides(text: string): [string, string] {
  const ours: string[] = [];
  const theirs: string[] = [];
  let part: 'both' | 'ours' | 'base' | 'theirs' = 'both';
  for (const line of text.split('\n')) {
    if (/^<{7}(?: |$)/.test(line)) part = 'ours';
    else if (/^\|{7}(?: |$)/.test(line) && part === 'ours') part = 'base';
    else if (/^={7}$/.test(line) && part !== 'both') part = 'theirs';
    else if (/^>{7}(?: |$)/.test(line) && part === 'theirs') part = 'both';
    else {
      if (part === 'both' || part === 'ours') ours.push(line);
      if (part === 'both' || part === 'theirs') theirs.push(line);
    }
  }
  return [ours.join('\n'), theirs.join('\n')];
}

function entriesOf(json: unknown): { entries: Record<string, ManifestEntry>; dropped: string[] } {
  const all = (json as { entries?: unknown } | undefined)?.entries;
  if (!all || typeof all !== 'object') return { entries: {}, dropped: [] };
  const entries: Record<string, ManifestEntry> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(all)) {
    const parsed = manifestEntrySchema.safeParse(value);
    if (parsed.success) entries[key] = parsed.data;
    else dropped.push(key);
  }
  return { entries, dropped };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface Sidecars {
  /** Entries by spec key: a regenerated model has one per roll still in `raw/`. */
  byKey: Map<string, ManifestEntry[]>;
  /** Hashes of the raw files that have a sidecar. */
  shas: Set<string>;
  /** Names of the models and images in `raw/`. */
  dataFiles: string[];
  unreadable: string[];
}

async function readSidecars(layout: StoreLayout): Promise<Sidecars> {
  const names = await readdir(layout.raw).catch(() => [] as string[]);
  const byKey = new Map<string, ManifestEntry[]>();
  const shas = new Set<string>();
  const unreadable: string[] = [];
  for (const name of names.filter(isRawSidecar)) {
    const parsed = rawSidecarSchema.safeParse(parseJson(await readFile(join(layout.raw, name), 'utf8').catch(() => '')));
    if (!parsed.success) {
      unreadable.push(name);
      continue;
    }
    const { version: _version, key, ...entry } = parsed.data;
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
    shas.add(resultFileOf(entry).sha256);
  }
  return { byKey, shas, dataFiles: names.filter((name) => !isRawSidecar(name)), unreadable };
}

/** The latest roll of a key whose raw file is intact; the latest roll when none is. */
async function newestUsable(layout: StoreLayout, entries: ManifestEntry[]): Promise<ManifestEntry> {
  const newestFirst = [...entries].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  for (const entry of newestFirst) if (!(await inspectRawFile(layout, resultFileOf(entry)))) return entry;
  return newestFirst[0]!;
}
