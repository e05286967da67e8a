import { failedStage, type JournalEntry, type JournalStage, readJournal, type StoreLayout, writeJournal } from '../cache/index.js';

/** The journal entry of one spec key, kept in memory and written through on every change. */
export interface JournalHandle {
  stage(name: string): JournalStage | undefined;
  update(name: string, patch: Partial<JournalStage> & Pick<JournalStage, 'state'>): Promise<void>;
  /** The first stage that ended FAILED, if any. */
  failed(): JournalStage | undefined;
  /** Forgets every stage (the user asked to retry a failed generation). */
  reset(): Promise<void>;
  /** Every stage, as last written. */
  stages(): JournalStage[];
}

/** `onChange` is told every stage after each write (a remote claim records them too: the journal moves into it). */
export async function openJournal(
  layout: StoreLayout,
  key: string,
  label: string,
  onChange?: (stages: JournalStage[]) => Promise<void>,
): Promise<JournalHandle> {
  const entry: JournalEntry = (await readJournal(layout, key)) ?? { version: 1, key, label, stages: [] };
  return {
    stage: (name) => entry.stages.find((stage) => stage.stage === name),
    async update(name, patch) {
      const index = entry.stages.findIndex((stage) => stage.stage === name);
      const previous = entry.stages[index];
      const next: JournalStage = {
        stage: name,
        intentAt: previous?.intentAt ?? Date.now(),
        request: previous?.request ?? {},
        ...previous,
        ...patch,
        updatedAt: Date.now(),
      };
      if (index === -1) entry.stages.push(next);
      else entry.stages[index] = next;
      await writeJournal(layout, entry);
      await onChange?.(structuredClone(entry.stages));
    },
    failed: () => failedStage(entry),
    async reset() {
      entry.stages = [];
      await writeJournal(layout, entry);
      await onChange?.([]);
    },
    stages: () => structuredClone(entry.stages),
  };
}
