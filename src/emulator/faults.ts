import type { TaskError } from './tasks.js';

/** What a fault rule is told about a task being created. */
export interface FaultContext {
  /** Task type, e.g. `text-to-3d-preview`. */
  type: string;
  prompt: string;
  texturePrompt: string;
  /** The create request as sent. */
  body: Readonly<Record<string, unknown>>;
}

export interface TaskFault {
  /** Progress (0–99) at which the task turns FAILED; default: somewhere in the middle. */
  atProgress?: number;
  error: TaskError;
}

/** Decides whether a new task will fail. Return undefined to let it succeed. */
export type FaultRule = (task: FaultContext) => TaskFault | undefined;

export const FAIL_MARKER = '[emulator:fail]';

/** The message Meshy sent for a failed generation in a live run (§4.2). */
const GENERATION_FAILED: TaskError = { type: 'server_error', message: 'Failed to generate preview images. Please retry.' };

/** A prompt or texture prompt containing `[emulator:fail]` fails, whatever the user's rule says. */
export function faultFor(task: FaultContext, rule: FaultRule | undefined): TaskFault | undefined {
  if (task.prompt.includes(FAIL_MARKER) || task.texturePrompt.includes(FAIL_MARKER)) return { error: GENERATION_FAILED };
  return rule?.(task);
}
