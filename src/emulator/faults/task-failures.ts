import { createRandom } from '../glb/random.js';
import type { TaskError } from '../tasks.js';
import type { FaultName, Faults } from './schema.js';

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

/** Decides whether a new task fails (the `faultRule` option). Return undefined to let it succeed. */
export type FaultRule = (task: FaultContext) => TaskFault | undefined;

export const FAIL_MARKER = '[emulator:fail]';

/** The message Meshy sent for a failed generation in a live run (https://docs.meshy.ai/en/api/errors). */
const GENERATION_FAILED: TaskError = { type: 'server_error', message: 'Failed to generate preview images. Please retry.' };

/**
 * Errors a task fails with for no fault of its input: the observed messages and the retryable
 * types of https://docs.meshy.ai/en/api/errors Input errors (invalid_input…) are left out: they would not be random.
 */
const RANDOM_ERRORS: readonly TaskError[] = [
  GENERATION_FAILED,
  { type: 'service_unavailable', message: 'The server is busy. Please try again later.' },
  { type: 'server_error', message: 'Internal server error.' },
  { type: 'timeout', code: 'timeout', message: 'The task timed out.', doc_url: 'https://docs.meshy.ai/en/api/errors#timeout' },
];

/** Seeded draws for `taskFailures`: one stream per configuration, so a run is reproducible. */
export interface TaskFailureDraws {
  next(type: string): TaskFault | undefined;
}

export function createTaskFailureDraws(config: Faults['taskFailures']): TaskFailureDraws {
  const random = createRandom(config?.seed ?? 1);
  return {
    next(type) {
      if (!config || (config.types && !config.types.includes(type))) return undefined;
      if (random() >= config.probability) return undefined;
      const atProgress = 1 + Math.floor(random() * 98);
      const error = config.error ?? RANDOM_ERRORS[Math.floor(random() * RANDOM_ERRORS.length)]!;
      return { atProgress, error: { ...error } };
    },
  };
}

/**
 * The failure a new task is given, and the name it counts under: the `[emulator:fail]` marker in a
 * prompt always fails; then the caller's rule; then the seeded random draws.
 */
export function taskFailureFor(task: FaultContext, rule: FaultRule | undefined, draws: TaskFailureDraws): { fault: TaskFault; name: FaultName } | undefined {
  if (task.prompt.includes(FAIL_MARKER) || task.texturePrompt.includes(FAIL_MARKER)) return { fault: { error: GENERATION_FAILED }, name: 'fail-marker' };
  const ruled = rule?.(task);
  if (ruled) return { fault: ruled, name: 'fault-rule' };
  const drawn = draws.next(task.type);
  return drawn ? { fault: drawn, name: 'task-failure' } : undefined;
}
