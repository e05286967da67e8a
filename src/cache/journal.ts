import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { MeshyPluginError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { StoreLayout } from './store.js';

/**
 * The task journal: what this store has asked Meshy for and not yet finished, one small file per
 * spec key. The intent is written before a task is created and the task id as soon as Meshy returns
 * it, so a process killed at any point is followed by one that resumes the same tasks instead of
 * paying for new ones. A finished model moves to the manifest and its journal file is removed; a
 * FAILED task stays here with its error until the user asks for a retry.
 */
export const journalStageSchema = z.object({
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

class JournalCorruptError extends MeshyPluginError {}

/**
 * The entry for `key`, or undefined when there is none. A file that does not parse (it is never
 * renamed into place half-written, so this is a hand edit or a bad merge) is an error, never taken
 * for "no task yet": it may hold the id of a task that was paid for.
 */
export async function readJournal(layout: StoreLayout, key: string): Promise<JournalEntry | undefined> {
  const path = journalPath(layout, key);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw corruptJournal(path, text, `it is not valid JSON: ${(cause as Error).message}`, cause);
  }
  const parsed = journalEntrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corruptJournal(path, text, `${issue?.path.join('.') || 'top level'}: ${issue?.message}`, parsed.error);
  }
  return parsed.data;
}

function corruptJournal(path: string, text: string, reason: string, cause: unknown): JournalCorruptError {
  const taskIds = [...new Set([...text.matchAll(/"taskId"\s*:\s*"([^"]+)"/g)].map((match) => match[1]!))];
  const advice = taskIds.length
    ? `It names Meshy task${taskIds.length > 1 ? 's' : ''} ${taskIds.join(', ')}, created (and paid for) for this model, so no new task was created. ` +
      'Fix the file so that it parses (compare it with a sibling in journal/, or take it from version control): the next build then resumes ' +
      `${taskIds.length > 1 ? 'those tasks' : 'that task'} without paying again. Deleting it would make the next build create (and pay for) new tasks.`
    : 'It names no Meshy task id; no new task was created. Fix the file so that it parses; or, if no task was created for this model, ' +
      'delete it and the next build starts the generation (a new task, which costs credits).';
  return new JournalCorruptError('MESHY_JOURNAL_CORRUPT', `The Meshy task journal ${path} does not parse (${reason}). ${advice}`, {
    cause,
    context: { path, taskIds },
  });
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

/** Every unfinished or failed entry that parses (one that does not is reported when its key is used). */
export async function listJournal(layout: StoreLayout): Promise<JournalEntry[]> {
  const names = await readdir(layout.journal).catch(() => [] as string[]);
  const entries = await Promise.all(
    names.filter((name) => name.endsWith('.json')).map((name) => readJournal(layout, name.slice(0, -5)).catch(() => undefined)),
  );
  return entries.filter((entry): entry is JournalEntry => entry !== undefined);
}
