import { failedStage, type JournalEntry, type JournalStage, readJournal } from './journal.js';
import { type ManifestEntry, resultFileOf } from './manifest.js';
import { type FileDamage, inspectRawFile, readManifest, readManifestEntry, type StoreLayout } from './store.js';

/**
 * Where one spec key stands in the store:
 * - `stored`: in the manifest, with its result file;
 * - `failed`: a Meshy task of it FAILED (nothing is generated again until the user asks for a retry);
 * - `pending`: tasks were created (or their create sent) and not finished: the next run resumes them;
 * - `missing`: nothing to use or resume. `entry` is there when the manifest names it, paid for, but its
 *   raw file is missing or damaged (`damage` says how): such a model is never generated again implicitly;
 * - `unreadable`: its journal file does not parse (`problem` says why): nothing is created until it is fixed.
 */
export type EntryState =
  | { state: 'stored'; entry: ManifestEntry }
  | { state: 'failed'; journal: JournalEntry; failed: JournalStage }
  | { state: 'pending'; journal: JournalEntry }
  | { state: 'missing'; entry?: ManifestEntry; damage?: FileDamage }
  | { state: 'unreadable'; problem: string };

/** A key the manifest says was paid for: its entry, and what is wrong with its raw file when it cannot be used. */
interface PaidEntry {
  entry: ManifestEntry;
  damage?: FileDamage;
}

/** The manifest entry of a paid key, with the state of its raw file (one stat), if the manifest names the key. */
export async function paidEntry(layout: StoreLayout, key: string): Promise<PaidEntry | undefined> {
  const entry = await readManifestEntry(layout, key);
  if (!entry) return undefined;
  const damage = await inspectRawFile(layout, resultFileOf(entry));
  return damage ? { entry, damage } : { entry };
}

/** The manifest entry of a key whose result file is in the store, if any. */
export async function storedEntry(layout: StoreLayout, key: string): Promise<ManifestEntry | undefined> {
  const paid = await paidEntry(layout, key);
  return paid && !paid.damage ? paid.entry : undefined;
}

/** The state of each key (the manifest read once). */
export async function entryStates(layout: StoreLayout, keys: Iterable<string>): Promise<Map<string, EntryState>> {
  const manifest = await readManifest(layout);
  const states = new Map<string, EntryState>();
  for (const key of keys) states.set(key, await stateOf(layout, key, manifest.entries[key]));
  return states;
}

async function stateOf(layout: StoreLayout, key: string, entry: ManifestEntry | undefined): Promise<EntryState> {
  if (entry) {
    const damage = await inspectRawFile(layout, resultFileOf(entry));
    return damage ? { state: 'missing', entry, damage } : { state: 'stored', entry };
  }
  let journal: JournalEntry | undefined;
  try {
    journal = await readJournal(layout, key);
  } catch (error) {
    return { state: 'unreadable', problem: (error as Error).message };
  }
  const failed = journal && failedStage(journal);
  if (journal && failed) return { state: 'failed', journal, failed };
  if (journal?.stages.some((stage) => stage.taskId || stage.state === 'creating')) return { state: 'pending', journal };
  return { state: 'missing' };
}
