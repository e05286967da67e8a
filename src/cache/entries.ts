import { failedStage, type JournalEntry, type JournalStage, listJournal } from './journal.js';
import { type ManifestEntry, resultFileOf } from './manifest.js';
import { hasRawFile, readManifest, readManifestEntry, type StoreLayout } from './store.js';

/**
 * Where one spec key stands in the store:
 * - `stored`: in the manifest, with its result file;
 * - `failed`: a Meshy task of it FAILED (nothing is generated again until the user asks for a retry);
 * - `pending`: tasks were created (or their create sent) and not finished: the next run resumes them;
 * - `missing`: nothing to use or resume. `entry` is there when the manifest names it but its raw file is gone.
 */
export type EntryState =
  | { state: 'stored'; entry: ManifestEntry }
  | { state: 'failed'; journal: JournalEntry; failed: JournalStage }
  | { state: 'pending'; journal: JournalEntry }
  | { state: 'missing'; entry?: ManifestEntry };

/** The manifest entry of a key whose result file is in the store, if any. */
export async function storedEntry(layout: StoreLayout, key: string): Promise<ManifestEntry | undefined> {
  const entry = await readManifestEntry(layout, key);
  return entry && (await hasRawFile(layout, resultFileOf(entry))) ? entry : undefined;
}

/** The state of each key (the manifest and the journal read once). */
export async function entryStates(layout: StoreLayout, keys: Iterable<string>): Promise<Map<string, EntryState>> {
  const manifest = await readManifest(layout);
  const journals = new Map((await listJournal(layout)).map((entry) => [entry.key, entry]));
  const states = new Map<string, EntryState>();
  for (const key of keys) states.set(key, await stateOf(layout, manifest.entries[key], journals.get(key)));
  return states;
}

async function stateOf(layout: StoreLayout, entry: ManifestEntry | undefined, journal: JournalEntry | undefined): Promise<EntryState> {
  if (entry && (await hasRawFile(layout, resultFileOf(entry)))) return { state: 'stored', entry };
  const failed = journal && failedStage(journal);
  if (journal && failed) return { state: 'failed', journal, failed };
  if (journal?.stages.some((stage) => stage.taskId || stage.state === 'creating')) return { state: 'pending', journal };
  return entry ? { state: 'missing', entry } : { state: 'missing' };
}
