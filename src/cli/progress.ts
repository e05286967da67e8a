import { clearLine, cursorTo } from 'node:readline';

/** A model being generated, as the display knows it. */
interface ModelProgress {
  label: string;
  stage: string;
  progress: number;
  quarter: number;
  /** Its create is held until Meshy's queue has a slot (status WAITING). */
  waiting: boolean;
}

/**
 * Progress for `prefetch`: on a terminal, one line redrawn in place (a bar, models done, how many
 * run at Meshy and how many wait for a slot in its queue, the running ones); in CI logs, a line per
 * finished model and per quarter of a task's progress (a model waiting for the queue prints nothing:
 * the build log's one queue line says it). `prefetch` feeds it progress on a terminal only: in a log,
 * the model source's own progress lines are the one format.
 */
export function createProgressDisplay(print: (line: string) => void, total: number, interactive: boolean) {
  const models = new Map<string, ModelProgress>();
  let done = 0;

  function redraw(): void {
    if (!interactive) return;
    clearCurrentLine();
    process.stdout.write(barLine(done, total, [...models.values()]).slice(0, process.stdout.columns || 120));
  }

  function clearCurrentLine(): void {
    if (!interactive) return;
    clearLine(process.stdout, 0);
    cursorTo(process.stdout, 0);
  }

  return {
    progress(key: string, label: string, stage: string, progress: number, status = 'IN_PROGRESS'): void {
      const previous = models.get(key);
      const waiting = status === 'WAITING';
      const quarter = Math.floor(progress / 25);
      models.set(key, { label, stage, progress, quarter, waiting });
      const started = previous?.stage !== stage || previous.waiting;
      if (!interactive && !waiting && (started || quarter > (previous?.quarter ?? -1))) print(`         "${label}" ${stage} ${progress}%`);
      redraw();
    },
    log(line: string): void {
      clearCurrentLine();
      print(line);
      redraw();
    },
    done(key: string, line: string): void {
      models.delete(key);
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

/** `[######..................] 1/6  2 running, 3 waiting for Meshy's queue  a kettle refine 40% | …` */
export function barLine(done: number, total: number, models: readonly Pick<ModelProgress, 'label' | 'stage' | 'progress' | 'waiting'>[]): string {
  const width = 24;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const running = models.filter((model) => !model.waiting);
  const waiting = models.length - running.length;
  const counts = `${running.length} running${waiting ? `, ${waiting} waiting for Meshy's queue` : ''}`;
  const tasks = running.map((model) => `${model.label.slice(0, 24)} ${model.stage} ${model.progress}%`).join(' | ');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${counts}${tasks ? `  ${tasks}` : ''}`;
}
