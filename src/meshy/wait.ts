import { MeshyApiError, MeshyResponseError, MeshyTaskFailedError } from './errors.js';
import type { TaskResource } from './resources.js';
import { pause } from './retry.js';
import { type BaseTask, FINAL_STATUSES, streamErrorSchema, streamUpdateSchema, type TaskStatus } from './schemas.js';
import { parseEventStream } from './sse.js';
import { type CallOptions, readTask } from './tasks.js';
import { apiError, openEventStream, parseShape, type Transport } from './transport.js';

/** How far a task has come, as its stream or a poll reports it. */
interface TaskProgress {
  status: TaskStatus;
  progress: number;
  precedingTasks?: number;
}

export interface WaitOptions extends CallOptions {
  onProgress?: (update: TaskProgress) => void;
}

export interface WaitContext {
  readonly transport: Transport;
  /** Follow the task over SSE first; false polls only. */
  readonly stream: boolean;
  readonly pollIntervalMs: number;
  /** How long a task may take before we stop waiting (it keeps running at Meshy). */
  readonly maxWaitMs: number;
  /** A stream that sends nothing, not even a keep-alive, for this long is given up for polling. */
  readonly streamIdleTimeoutMs: number;
}

/** Follows a task to its end; resolves with the SUCCEEDED task, rejects with MeshyTaskFailedError. */
export async function waitForTask<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  call: WaitOptions = {},
): Promise<Task> {
  const deadline = Date.now() + context.maxWaitMs;
  if (context.stream) {
    const task = await streamOrGiveUp(context, resource, id, call);
    if (task) return succeeded(resource, id, task);
  }
  return succeeded(resource, id, await pollUntilFinal(context, resource, id, call, deadline));
}

function succeeded<Task extends BaseTask>(resource: TaskResource<Task>, id: string, task: Task): Task {
  if (task.status === 'SUCCEEDED') return task;
  throw new MeshyTaskFailedError({ resource: resource.name, taskId: id, status: task.status, taskError: task.task_error });
}

/**
 * The final task from its stream, or undefined when the stream ended early or failed in a way polling
 * may get past (a dropped connection, a silent stream, a server error). A wrong key, an unknown task
 * and an answer of the wrong shape are thrown: polling would meet them too.
 */
async function streamOrGiveUp<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  call: WaitOptions,
): Promise<Task | undefined> {
  try {
    return await followStream(context, resource, id, call.onProgress, call.signal);
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason;
    if (error instanceof MeshyApiError && (error.status === 401 || error.status === 404)) throw error;
    if (error instanceof MeshyResponseError) throw error;
    context.transport.log(`following ${resource.name} task ${id} by polling: its stream failed (${(error as Error).message})`);
    return undefined;
  }
}

async function followStream<Task extends BaseTask>(
  context: WaitContext,
  resource: TaskResource<Task>,
  id: string,
  onProgress: ((update: TaskProgress) => void) | undefined,
  signal?: AbortSignal,
): Promise<Task | undefined> {
  const { transport, streamIdleTimeoutMs } = context;
  const idle = new AbortController();
  const both = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${streamIdleTimeoutMs} ms`)), streamIdleTimeoutMs);
  };
  const path = `${resource.path}/${encodeURIComponent(id)}/stream`;
  touch();
  try {
    const response = await openEventStream(transport, path, both);
    for await (const event of parseEventStream(response.body, touch)) {
      if (event.event === 'error') {
        const detail = streamErrorSchema.safeParse(safeJson(event.data));
        const status = detail.success ? (detail.data.status_code ?? 500) : 500;
        throw apiError(transport, 'GET', path, status, JSON.stringify({ message: detail.success ? detail.data.message : event.data }), {});
      }
      if (event.event !== 'message') continue;
      const json = safeJson(event.data);
      const update = parseShape(streamUpdateSchema, json, `${resource.name} stream event`);
      onProgress?.({ status: update.status, progress: update.progress });
      if (FINAL_STATUSES.has(update.status)) {
        const full = resource.taskSchema.safeParse(json);
        response.body.destroy();
        return full.success ? full.data : undefined;
      }
    }
    return undefined; // the stream ended early: polling takes over
  } finally {
    clearTimeout(timer);
  }
}

/** Polls until the task is final, at the poll interval or longer when a `Retry-After` asks; gives up at `deadline`. */
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
    if (Date.now() > deadline) {
      throw new MeshyResponseError(
        `Meshy ${resource.name} task ${id} is still ${task.status} (${task.progress}%) after ${Math.round(context.maxWaitMs / 60_000)} minutes; ` +
          'it keeps running at Meshy and the next build picks it up.',
        { taskId: id, status: task.status },
      );
    }
    await pause(Math.max(retryAfterMs ?? 0, context.pollIntervalMs), call.signal);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
