import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from './atomic.js';
import type { StoreLayout } from './store.js';

/**
 * The task journal: what this store has asked Meshy for and not yet finished, one small file per
 * spec key. The intent is written before a task is created and the task id as soon as Meshy returns
 * it, so a process killed at any point is followed by one that resumes the same tasks instead of
 * paying for new ones. A finished model moves to the manifest and its journal file is removed; a
 * FAILED task stays here with its error until the user asks for a retry.
 */
const journalStageSchema = z.object({
  stage: z.string(),
  /** creating: the request may or may not have reached Meshy; created: Meshy has it, with `taskId`. */
  state: z.enum(['creating', 'created', 'succeeded', 'failed']),
  taskId: z.string().optional(),
  /** When the create was sent (ms): a task found in Meshy's list after it may be ours. */
  intentAt: z.number(),
  request: z.record(z.string(), z.unknown()),
  credits: z.number().optional(),
  error: z.object({ message: z.string(), type: z.string().optional(), code: z.string().optional() }).optional(),
  updatedAt: z.number(),
});

const journalEntrySchema = z.object({
  version: z.literal(1),
  key: z.string(),
  label: z.string(),
  stages: z.array(journalStageSchema),
});

export type JournalStage = z.infer<typeof journalStageSchema>;
export type JournalEntry = z.infer<typeof journalEntrySchema>;

function journalPath(layout: StoreLayout, key: string): string {
  return join(layout.journal, `${key}.json`);
}

/**
 * The entry for `key`, or undefined; a file that does not parse is treated as absent (it was never renamed into
 * place half-written, so this means a hand edit).
 */
export async function readJournal(layout: StoreLayout, key: string): Promise<JournalEntry | undefined> {
  let text: string;
  try {
    text = await readFile(journalPath(layout, key), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = journalEntrySchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data : undefined;
}

export async function writeJournal(layout: StoreLayout, entry: JournalEntry): Promise<void> {
  await writeFileAtomic(journalPath(layout, entry.key), `${JSON.stringify(entry, null, 2)}\n`, layout.tmp);
}

export async function removeJournal(layout: StoreLayout, key: string): Promise<void> {
  await rm(journalPath(layout, key), { force: true });
}

/** The first stage that ended FAILED, if any: until the user asks for a retry, the key is not generated again. */
export function failedStage(entry: JournalEntry): JournalStage | undefined {
  return entry.stages.find((stage) => stage.state === 'failed');
}

/** Every unfinished or failed entry, for `status`-style reports. */
export async function listJournal(layout: StoreLayout): Promise<JournalEntry[]> {
  const names = await readdir(layout.journal).catch(() => [] as string[]);
  const entries = await Promise.all(names.filter((name) => name.endsWith('.json')).map((name) => readJournal(layout, name.slice(0, -5))));
  return entries.filter((entry): entry is JournalEntry => entry !== undefined);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
