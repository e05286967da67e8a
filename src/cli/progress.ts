import { clearLine, cursorTo } from 'node:readline';

/**
 * Progress for `prefetch`: on a terminal, one line redrawn in place (a bar, models done, the running
 * ones); in CI logs, a line per finished model and per quarter of a task's progress.
 */
export function createProgressDisplay(print: (line: string) => void, total: number, interactive: boolean) {
  const running = new Map<string, { label: string; stage: string; progress: number; quarter: number }>();
  let done = 0;
  const width = 24;

  function redraw(): void {
    if (!interactive) return;
    const filled = Math.round((done / Math.max(1, total)) * width);
    const tasks = [...running.values()].map((task) => `${task.label.slice(0, 24)} ${task.stage} ${task.progress}%`).join(' | ');
    clearCurrentLine();
    process.stdout.write(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${tasks}`.slice(0, process.stdout.columns || 120));
  }

  function clearCurrentLine(): void {
    if (!interactive) return;
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
  }

  return {
    progress(key: string, label: string, stage: string, progress: number): void {
      const previous = running.get(key);
      const quarter = Math.floor(progress / 25);
      running.set(key, { label, stage, progress, quarter });
      if (!interactive && (previous?.stage !== stage || quarter > (previous?.quarter ?? -1))) print(`         "${label}" ${stage} ${progress}%`);
      redraw();
    },
    log(line: string): void {
      clearCurrentLine();
      print(line);
      redraw();
    },
    done(key: string, line: string): void {
      running.delete(key);
      done++;
      clearCurrentLine();
      print(line);
      redraw();
    },
    finish(): void {
      clearCurrentLine();
    },
  };
}
