export interface ProgressUpdate {
  label: string;
  stage: string;
  status: string;
  progress: number;
  taskId: string;
}

/**
 * Progress as plain lines, fit for CI logs as well as terminals: a line when a stage starts or changes
 * status, then at most one per `stepPercent` of progress or per `intervalMs`, whichever comes later.
 */
export function createProgressPrinter(
  print: (line: string) => void,
  { stepPercent = 25, intervalMs = 10_000, now = () => Date.now() } = {},
): (update: ProgressUpdate) => void {
  const last = new Map<string, { status: string; progress: number; at: number; startedAt: number }>();
  return (update) => {
    const id = `${update.taskId}`;
    const time = now();
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
