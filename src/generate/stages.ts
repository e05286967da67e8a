import type { TaskRecord } from '../cache/index.js';
import type { MeshyClient } from '../meshy/client.js';
import { MeshyApiError, MeshyTaskFailedError } from '../meshy/errors.js';
import type { QueueState } from '../meshy/queue.js';
import type { TaskResource } from '../meshy/resources.js';
import type { BaseTask } from '../meshy/schemas.js';
import type { JournalHandle } from './journal-handle.js';

/**
 * A stage's news. `WAITING`: its create is held until the account's Meshy queue has a slot (no task
 * yet, `taskId` is empty; `queue` says how the queue stands); then Meshy's own statuses.
 */
export interface StageEvent {
  stage: string;
  taskId: string;
  status: string;
  progress: number;
  queue?: QueueState;
}

export interface StageContext {
  client: MeshyClient;
  journal: JournalHandle;
  signal?: AbortSignal;
  onEvent?: (event: StageEvent) => void;
  log: (line: string) => void;
  /** Where this generation's creates stand among those held for a full queue: higher first (what a dev page shows). Default 0. */
  priority?: number;
}

export interface StageOptions {
  /** Fields the task object echoes that the request body lacks, to recognise the task in Meshy's list. */
  echoed?: Record<string, unknown>;
  /** Added to the context's priority: a model's later stages go before new models (it finishes sooner). */
  priorityBoost?: number;
  /** The task of the previous stage: its queue slot, kept for this stage, is taken over. */
  after?: string;
  /** Another stage follows this one: its slot in the queue is kept for it. */
  handOver?: boolean;
}

/**
 * One Meshy task of a generation, resumable: a task the journal already knows is followed instead of
 * created again; a create that may have reached Meshy before a crash is looked up in Meshy's task
 * list first. The intent is journaled right before the create is sent (not while the account's
 * queue holds it: a held create cannot have been paid for) and the id right after it.
 */
export async function runStage<Task extends BaseTask>(
  stage: string,
  resource: TaskResource<Task>,
  body: Record<string, unknown>,
  context: StageContext,
  { echoed = {}, priorityBoost = 0, after, handOver = false }: StageOptions = {},
): Promise<{ task: Task; record: TaskRecord }> {
  const { client, journal, log } = context;
  const known = journal.stage(stage);
  let taskId = known?.taskId;
  if (!taskId && known?.state === 'creating') {
    taskId = await client.findCreatedTask(resource, { ...body, ...echoed }, known.intentAt, { signal: context.signal });
    if (taskId) await journal.update(stage, { state: 'created', taskId });
  }
  if (taskId) {
    log(`resuming Meshy ${stage} task ${taskId} (created before; not paid for again)`);
  } else {
    taskId = await client.createTask(resource, body, {
      ...(context.signal ? { signal: context.signal } : {}),
      echoed,
      priority: (context.priority ?? 0) + priorityBoost,
      ...(after === undefined ? {} : { after }),
      onSend: () => journal.update(stage, { state: 'creating', intentAt: Date.now(), request: journaledBody(body) }),
      onQueue: (queue) => context.onEvent?.({ stage, taskId: '', status: 'WAITING', progress: 0, queue }),
    });
    await journal.update(stage, { state: 'created', taskId });
  }

  context.onEvent?.({ stage, taskId, status: 'PENDING', progress: 0 });
  let task: Task;
  try {
    task = await client.waitForTask(resource, taskId, {
      signal: context.signal,
      handOver,
      onProgress: (update) => context.onEvent?.({ stage, taskId: taskId!, status: update.status, progress: update.progress }),
    });
  } catch (error) {
    if (error instanceof MeshyTaskFailedError) {
      await journal.update(stage, { state: 'failed', error: error.taskError ?? { message: error.message } });
    } else if (error instanceof MeshyApiError && error.status === 404) {
      await journal.update(stage, { state: 'failed', error: { message: `Meshy no longer has task ${taskId} (deleted, or past its retention)` } });
    }
    throw error;
  }
  await journal.update(stage, { state: 'succeeded', credits: task.consumed_credits ?? 0 });
  return {
    task,
    record: {
      stage,
      id: taskId,
      ...(task.type ? { type: task.type } : {}),
      createdAt: task.created_at || known?.intentAt || Date.now(),
      finishedAt: task.finished_at || Date.now(),
      credits: task.consumed_credits ?? 0,
    },
  };
}

/** The request as the journal keeps it: data URIs (whole files) shortened to their type and size. */
function journaledBody(body: Record<string, unknown>): Record<string, unknown> {
  const shorten = (value: unknown): unknown =>
    typeof value === 'string' && value.startsWith('data:')
      ? `${value.slice(0, value.indexOf(',') + 1)}… (${value.length} characters)`
      : Array.isArray(value)
        ? value.map(shorten)
        : value;
  return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, shorten(value)]));
}
