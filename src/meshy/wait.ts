import { MeshyApiError, MeshyTaskFailedError, MeshyTaskTimeoutError } from './errors.js';
import { accountQueue } from './queue.js';
import type { TaskResource } from './resources.js';
import { pause } from './retry.js';
import { type BaseTask, FINAL_STATUSES, streamErrorSchema, streamUpdateSchema, type TaskStatus } from './schemas.js';
import { parseEventStream } from './sse.js';
import { taskSchemaOf } from './task-schemas.js';
import { type CallOptions, readTask } from './tasks.js';
import { apiError, describeIssue, openEventStream, type Transport } from './transport.js';

/** How far a task has come, as its stream or a poll reports it. */
interface TaskProgress {
  status: TaskStatus;
  progress: number;
  precedingTasks?: number;
}

export interface WaitOptions extends CallOptions {
  onProgress?: (update: TaskProgress) => void;
  /**
   * The caller creates its model's next task as soon as this one succeeds (a refine after its
   * preview): the slot this task held in the account's queue is kept for that create (`CreateOptions.after`).
   */
  handOver?: boolean;
}

export interface WaitContext {
  readonly transport: Transport;
  /** Follow the task over SSE first; false polls only. */
  readonly stream: boolean;
  readonly pollIntervalMs: number;
  /** How long a task may take, streamed and polled together, before we stop waiting (it keeps running at Meshy). */
  readonly maxWaitMs: number;
  /** A stream that sends nothing, not even a keep-alive, for this long is given up for polling. */
  readonly streamIdleTimeoutMs: number;
}

/**
 * Follows a task to its end; resolves with the SUCCEEDED task, rejects with MeshyTaskFailedError,
 * or with MeshyTaskTimeoutError once `maxWaitMs` has passed, in stream and poll mode alike. The
 * account's admission queue hears of the end at once: a held create can take the slot.
 */
export async function waitForTask<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  call: WaitOptions = {},
): Promise<Task> {
  const queue = resource.queued === false ? undefined : accountQueue(context.transport);
  queue?.watch(id);
  let handOver = false;
  try {
    const task = succeeded(resource, id, await followToEnd(context, resource, id, call));
    handOver = call.handOver === true;
    return task;
  } finally {
    queue?.settled(id, handOver);
  }
}

async function followToEnd<Task extends BaseTask>(context: WaitContext, resource: TaskResource<Task>, id: string, call: WaitOptions): Promise<Task> {
  const deadline = Date.now() + context.maxWaitMs;
  if (context.stream) {
    const task = await streamOrGiveUp(context, resource, id, call, deadline);
    if (task) return task;
  }
  return pollUntilFinal(context, resource, id, call, deadline);
}

function succeeded<Task extends BaseTask>(resource: TaskResource<Task>, id: string, task: Task): Task {
  if (task.status === 'SUCCEEDED') return task;
  throw new MeshyTaskFailedError({ resource: resource.name, taskId: id, status: task.status, taskError: task.task_error });
}

/**
 * The final task from its stream, or undefined when polling should take over: the stream ended
 * early, failed in a way polling may get past (a dropped connection, a silent stream, a server
 * error), sent something that is not a task update, or reached the deadline (polling then reads the
 * task once more before giving up). A wrong key and an unknown task are thrown: polling would meet
 * them too.
 */
async function streamOrGiveUp<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  call: WaitOptions,
  deadline: number,
): Promise<Task | undefined> {
  try {
    return await followStream(context, resource, id, call.onProgress, deadline, call.signal);
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (error instanceof MeshyApiError && (error.status === 401 || error.status === 404)) throw error;
    context.transport.log(`following ${resource.name} task ${id} by polling: its stream failed (${(error as Error).message})`);
    return undefined;
  }
}

async function followStream<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  onProgress: ((update: TaskProgress) => void) | undefined,
  deadline: number,
  signal?: AbortSignal,
): Promise<Task | undefined> {
  const { transport, streamIdleTimeoutMs } = context;
  const stop = new AbortController();
  const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let idleTimer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => stop.abort(new Error(`no data for ${streamIdleTimeoutMs} ms`)), streamIdleTimeoutMs);
  };
  let pastDeadline = false;
  const deadlineTimer = setTimeout(
    () => {
      pastDeadline = true;
      stop.abort(new Error('the wait reached maxWaitMs'));
    },
    Math.max(0, deadline - Date.now()),
  );
  const path = `${resource.path}/${encodeURIComponent(id)}/stream`;
  const fallBack = (why: string) => {
    transport.log(`following ${resource.name} task ${id} by polling: ${why}`);
    return undefined;
  };
  touch();
  try {
    const response = await openEventStream(transport, path, both);
    try {
      for await (const event of parseEventStream(response.body, touch)) {
        if (event.event === 'error') {
          const detail = streamErrorSchema.safeParse(safeJson(event.data));
          const status = detail.success ? (detail.data.status_code ?? 500) : 500;
          throw apiError(transport, 'GET', path, status, JSON.stringify({ message: detail.success ? detail.data.message : event.data }), {});
        }
        if (event.event !== 'message') continue;
        const json = safeJson(event.data);
        const update = streamUpdateSchema.safeParse(json);
        if (!update.success) return fallBack(`its stream sent an event that is not a task update (${describeIssue(update.error)})`);
        onProgress?.({ status: update.data.status, progress: update.data.progress });
        if (FINAL_STATUSES.has(update.data.status)) {
          const full = taskSchemaOf(resource).safeParse(json);
          if (full.success && isComplete(resource, full.data)) return full.data;
          return fallBack(
            `the final event of its stream lacks what the plugin reads (${full.success ? 'its result URL or error' : describeIssue(full.error)}); reading the task`,
          );
        }
      }
    } finally {
      // Destroying an unfinished undici body emits an AbortError: it is expected here, not news.
      response.body.on('error', () => {}).destroy();
    }
    return undefined; // the stream ended early: polling takes over
  } catch (error) {
    // The deadline is polling's to report: it reads the task once more, then says the wait is over.
    if (pastDeadline && !signal?.aborted) return undefined;
    throw error;
  } finally {
    clearTimeout(idleTimer);
    clearTimeout(deadlineTimer);
  }
}

/** Whether a final task object carries what the plugin reads next: a success its result URL, a failure its reason. */
function isComplete<Task extends BaseTask>(resource: TaskResource<Task>, task: Task): boolean {
  if (task.status === 'SUCCEEDED') return resource.resultUrl(task) !== undefined;
  return !!task.task_error?.message;
}

/** Polls until the task is final, at the poll interval (see `pollDelayMs`); gives up at `deadline`. */
async function pollUntilFinal<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  call: WaitOptions,
  deadline: number,
): Promise<Task> {
  for (;;) {
    const { task, retryAfterMs } = await readTask(context.transport, resource, id, call);
    call.onProgress?.({ status: task.status, progress: task.progress, ...(task.preceding_tasks == null ? {} : { precedingTasks: task.preceding_tasks }) });
    if (FINAL_STATUSES.has(task.status)) return task;
    const now = Date.now();
    if (now >= deadline) {
      throw new MeshyTaskTimeoutError({ resource: resource.name, taskId: id, status: task.status, progress: task.progress, waitedMs: context.maxWaitMs });
    }
    await pause(pollDelayMs(retryAfterMs, context.pollIntervalMs, deadline - now), call.signal);
  }
}

/** Meshy's lifecycle page shows `Retry-After: 5` on a GET of a running task (https://docs.meshy.ai/en/api/task-lifecycle). */
const DOCUMENTED_RETRY_AFTER_MS = 5_000;
/** How many poll intervals a `Retry-After` on a successful read may stretch a wait to. */
const RETRY_AFTER_POLLS = 4;

/**
 * The wait before the next poll: the poll interval, longer when a `Retry-After` asks, but at most
 * a few intervals (or Meshy's documented 5 s) and never past the deadline. A server asking for
 * hours on a 200 answer must not hang a build; a 429's Retry-After is the retry loop's business.
 */
export function pollDelayMs(retryAfterMs: number | undefined, pollIntervalMs: number, remainingMs: number): number {
  const ceiling = Math.max(pollIntervalMs * RETRY_AFTER_POLLS, DOCUMENTED_RETRY_AFTER_MS);
  const wanted = Math.max(pollIntervalMs, Math.min(retryAfterMs ?? 0, ceiling));
  return Math.max(0, Math.min(wanted, remainingMs));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
