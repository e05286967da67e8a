import { isQueueFull, MeshyApiError, MeshyNetworkError, MeshyResponseError } from './errors.js';
import { accountQueue, type QueueState } from './queue.js';
import type { TaskResource } from './resources.js';
import { parseRetryAfter, pause, retryDelayMs, withRetries } from './retry.js';
import { type BaseTask, createResponseSchema } from './schemas.js';
import { taskSchemaOf } from './task-schemas.js';
import { callMeshy, describeIssue, mayRetry, parseShape, sendOnce, type Transport } from './transport.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /**
   * Fields the created task will echo that the request body lacks (a refine echoes its preview's
   * prompt), so that a create whose answer is lost can be recognised in Meshy's task list.
   */
  echoed?: Record<string, unknown>;
  /** Among creates held for the account's queue, higher goes first (ties: first come). Default 0. */
  priority?: number;
  /** The task this one continues (a refine's preview), whose slot in the queue it takes over (see `WaitOptions.handOver`). */
  after?: string;
  /**
   * Called once, right before the create is first sent; never while it is held for a full queue.
   * A caller journals its intent to create here: a held create has not been sent, so it cannot have been paid for.
   */
  onSend?: () => void | Promise<void>;
  /** Told how the account's queue stands whenever that changes while this create is held. */
  onQueue?: (state: QueueState) => void;
}

export interface ListOptions extends CallOptions {
  pageNum?: number;
  pageSize?: number;
  sortBy?: '+created_at' | '-created_at';
}

/** The transport, and the ids this client created: a lost create is never matched to one of them. */
export interface TaskContext {
  readonly transport: Transport;
  readonly createdIds: Set<string>;
}

/** How far a task's `created_at` may precede our own clock when matching a lost create (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

const taskPath = (resource: TaskResource, id: string) => `${resource.path}/${encodeURIComponent(id)}`;

/** A task as Meshy has it now, and how long its `Retry-After` asks a poller to wait. */
export async function readTask<Task extends BaseTask>(
  transport: Transport,
  resource: TaskResource<Task>,
  id: string,
  call: CallOptions = {},
): Promise<{ task: Task; retryAfterMs?: number }> {
  const answer = await callMeshy(transport, { method: 'GET', path: taskPath(resource, id), what: `GET ${resource.name} task`, signal: call.signal });
  return { task: parseShape(taskSchemaOf(resource), answer.json, `${resource.name} task ${id}`), retryAfterMs: parseRetryAfter(answer.headers['retry-after']) };
}

export async function listTasks<Task extends BaseTask>(transport: Transport, resource: TaskResource<Task>, list: ListOptions = {}): Promise<Task[]> {
  const query = new URLSearchParams({
    page_num: String(list.pageNum ?? 1),
    page_size: String(list.pageSize ?? 10),
    sort_by: list.sortBy ?? '-created_at',
  });
  const answer = await callMeshy(transport, { method: 'GET', path: `${resource.path}?${query}`, what: `list ${resource.name} tasks`, signal: list.signal });
  if (!Array.isArray(answer.json)) throw new MeshyResponseError(`Meshy's ${resource.name} task list is not an array`, { resource: resource.name });
  return parseListItems(resource, answer.json, transport.log);
}

/**
 * The items of a task list that are tasks. One odd item must not fail the whole list: the list is
 * how a create whose answer was lost is found, so failing it would risk paying twice.
 */
function parseListItems<Task extends BaseTask>(resource: TaskResource<Task>, items: readonly unknown[], log: (line: string) => void): Task[] {
  const tasks: Task[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = taskSchemaOf(resource).safeParse(item);
    if (parsed.success) tasks.push(parsed.data);
    else log(`skipping item ${index} of Meshy's ${resource.name} task list: ${describeIssue(parsed.error)}`);
  }
  return tasks;
}

export async function deleteTask(transport: Transport, resource: TaskResource, id: string, call: CallOptions = {}): Promise<void> {
  await callMeshy(transport, { method: 'DELETE', path: taskPath(resource, id), what: `delete ${resource.name} task`, signal: call.signal });
}

/**
 * A create is paid for. It goes through the account's admission queue (queue.ts): while Meshy's
 * queue is full it is held here, unsent, and it is sent when one of our tasks ends. A refusal for a
 * full queue created nothing, so the create is held again. Other failures: see `sendCreate`.
 */
export async function createTask(context: TaskContext, resource: TaskResource, body: Record<string, unknown>, call: CreateOptions = {}): Promise<string> {
  let announced = false;
  const send = async () => {
    if (!announced) {
      await call.onSend?.();
      announced = true;
    }
    return sendCreate(context, resource, body, call, resource.queued !== false);
  };
  // Tasks outside Meshy's queue (images) need no slot: a refusal is only retried.
  if (resource.queued === false) return send();
  const queue = accountQueue(context.transport);
  return queue.submit(
    {
      priority: call.priority ?? 0,
      resource: resource.name,
      policy: context.transport.policy,
      ...(call.after === undefined ? {} : { after: call.after }),
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.onQueue ? { onQueue: call.onQueue } : {}),
    },
    send,
  );
}

/**
 * One create, sent again only when it certainly did not create a task: Meshy refused it (429: the
 * rate, or, outside the admission queue, a full queue), or the connection failed before the request
 * was written. When the answer is lost after sending (a reset, a 5xx), the task list decides: a
 * matching new task is adopted, none means the create may be sent again, and several mean we cannot
 * tell (an error). A full queue is the admission queue's to wait out when `queued`.
 */
async function sendCreate(context: TaskContext, resource: TaskResource, body: Record<string, unknown>, call: CreateOptions, queued: boolean): Promise<string> {
  const { transport } = context;
  const what = `create ${resource.name} task`;
  const post = { method: 'POST', path: resource.path, body, what, signal: call.signal } as const;
  for (let tries = 0; ; tries++) {
    const sentAt = Date.now();
    try {
      const answer = await withRetries(
        transport,
        what,
        () => sendOnce(transport, post),
        (error) => mayRetry('POST', error) && !(queued && isQueueFull(error)),
        call.signal,
      );
      const { result } = parseShape(createResponseSchema, answer.json, `${resource.name} create response`);
      context.createdIds.add(result);
      return result;
    } catch (error) {
      const ambiguous = error instanceof MeshyNetworkError || (error instanceof MeshyApiError && error.status >= 500);
      if (!ambiguous || call.signal?.aborted || tries >= transport.policy.retries) throw error;
      const adopted = await findCreatedTask(context, resource, { ...body, ...call.echoed }, sentAt, call.signal);
      if (adopted) {
        transport.log(`the answer to a ${resource.name} create was lost, but Meshy has the task: continuing with ${adopted}`);
        context.createdIds.add(adopted);
        return adopted;
      }
      const delay = retryDelayMs(tries, transport.policy);
      transport.log(`${what}: ${(error as Error).message}; Meshy has no such task, so it is sent again in ${(delay / 1000).toFixed(1)} s`);
      await pause(delay, call.signal);
    }
  }
}

/**
 * The task a create request with `body`, sent at `sentAt` (ms), made: the one recent task that
 * matches it and that this client did not create itself. Throws when several could be it.
 */
export async function findCreatedTask(
  context: TaskContext,
  resource: TaskResource,
  body: Record<string, unknown>,
  sentAt: number,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const recent = await listTasks(context.transport, resource, { pageSize: 50, sortBy: '-created_at', signal });
  const candidates = recent.filter(
    (task) => !context.createdIds.has(task.id) && task.created_at >= sentAt - CLOCK_SKEW_MS && resource.matchesRequest(task, body),
  );
  if (candidates.length > 1) {
    throw new MeshyResponseError(
      `The answer to a ${resource.name} create was lost and Meshy lists ${candidates.length} new tasks that could be it ` +
        `(${candidates.map((t) => t.id).join(', ')}); not creating another one. Check them in Meshy and retry.`,
      { candidates: candidates.map((task) => task.id) },
    );
  }
  return candidates[0]?.id;
}
