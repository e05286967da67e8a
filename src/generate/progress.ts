import type { QueueState } from '../meshy/queue.js';

export interface ProgressUpdate {
  label: string;
  stage: string;
  status: string;
  progress: number;
  taskId: string;
  /** With status `WAITING`: how the account's Meshy queue stands while the stage's create is held. */
  queue?: QueueState;
}

/**
 * Progress as plain lines, fit for CI logs as well as terminals: a line when a stage starts or changes
 * status, then at most one per `stepPercent` of progress or per `intervalMs`, whichever comes later.
 * Creates held for a full Meshy queue share one line (`queueLine`), printed when the queue fills and
 * then at most once per `intervalMs` while it changes, however many models wait.
 */
export function createProgressPrinter(
  print: (line: string) => void,
  { stepPercent = 25, intervalMs = 10_000, now = () => Date.now() } = {},
): (update: ProgressUpdate) => void {
  const last = new Map<string, { status: string; progress: number; at: number; startedAt: number }>();
  let queue: { line: string; at: number } | undefined;
  return (update) => {
    const time = now();
    if (update.status === 'WAITING') {
      if (!update.queue) return;
      const line = queueLine(update.queue);
      if (line === queue?.line || (queue && time - queue.at < intervalMs)) return;
      queue = { line, at: time };
      print(line);
      return;
    }
    const id = `${update.taskId}`;
    const previous = last.get(id);
    const startedAt = previous?.startedAt ?? time;
    const statusChanged = previous?.status !== update.status;
    const progressed = previous !== undefined && update.progress - previous.progress >= stepPercent && time - previous.at >= intervalMs;
    if (!statusChanged && !progressed) return;
    last.set(id, { status: update.status, progress: update.progress, at: time, startedAt });
    const seconds = Math.round((time - startedAt) / 1000);
    const state = update.status === 'IN_PROGRESS' ? `${update.progress}%` : update.status.toLowerCase().replace('_', ' ');
    print(`"${update.label}" ${update.stage} ${state} (${seconds}s)`);
  };
}

/** `Meshy's queue is full (2 of 2 in use): 4 models waiting`. */
function queueLine({ inUse, limit, waiting }: QueueState): string {
  const use = limit === undefined ? 'other clients of the account hold its slots' : `${inUse} of ${limit} in use`;
  return `Meshy's queue is full (${use}): ${waiting} ${waiting === 1 ? 'model' : 'models'} waiting`;
}
