import type { ServerResponse } from 'node:http';
import type { Account } from './accounts.js';
import { type FaultName, type TaskFault, taskFailureFor } from './faults/index.js';
import { type Answer, ApiError } from './http.js';
import type { EmulatedResource, TaskPlan } from './resource.js';
import { type StreamFault, streamNotFound, streamTask } from './sse.js';
import { type EmulatorState, presentTask, queuedTasks, recordFault, resourceOf, settle } from './state.js';
import { type PageQuery, pageOf, scheduleTask, snapshotAt, type Task } from './tasks.js';
import { SAMPLE_SEED } from './test-mode.js';

/**
 * The endpoints every task resource has (https://docs.meshy.ai/en/api/quick-start): create, list, get, delete and stream. The resource
 * only validates, prices and presents; queue, credits, ownership and the clock are handled here.
 */

export function createTask(state: EmulatorState, resource: EmulatedResource, account: Account, body: Record<string, unknown>): Answer {
  const now = state.options.now();
  const profile = state.options.profile;
  const outputsOf = (task: Task) => resourceOf(state, task).outputs?.(task, profile) ?? { prompt: '' };
  const planned = resource.plan(body, { account, now, findTask: (id) => ownTask(state, account, id), outputsOf, profile });
  const plan = account.testMode && resource.sample ? { ...planned, seed: SAMPLE_SEED, input: resource.sample(planned.input) } : planned;
  const credits = account.testMode ? 0 : plan.credits; // https://docs.meshy.ai/en/api/authentication: test mode consumes no credits
  if (account.balance < credits) throw new ApiError(402, 'InsufficientCredits');
  const queue = queuedTasks(state, account);
  if (resource.queued !== false && queue.length >= state.options.queueLimit) {
    // https://docs.meshy.ai/en/api/rate-limits: the create is rejected; no task is created and nothing is charged; no Retry-After.
    state.stats.createsRefused++;
    throw new ApiError(429, 'NoMoreConcurrentTasks');
  }
  const failure = failureOf(state, account, plan, body);
  const fault = failure?.fault;
  const stuckAt = fault || account.testMode ? undefined : state.faults.stuckAt(plan.type);
  const task = scheduleTask(
    {
      id: state.newId(now),
      resource: resource.path,
      type: plan.type,
      account: account.id,
      seed: plan.seed,
      credits,
      input: plan.input,
      ...(fault ? { failure: { atProgress: fault.atProgress ?? 20 + (plan.seed % 60), error: fault.error } } : {}),
      ...(stuckAt === undefined ? {} : { stuckAt }),
    },
    { now, queueDelayMs: state.options.queueDelayMs, taskDurationMs: state.options.taskDurationMs, retentionMs: state.options.retentionMs },
  );
  state.tasks.set(task.id, task);
  state.open.add(task);
  account.balance -= credits;
  state.stats.tasksCreated++;
  state.stats.creditsCharged += credits;
  state.stats.tasksByType[task.type] = (state.stats.tasksByType[task.type] ?? 0) + 1;
  if (failure?.name) recordFault(state, failure.name);
  if (stuckAt !== undefined) recordFault(state, 'stuck-task');
  return { status: 202, body: { result: task.id } }; // https://docs.meshy.ai/en/api/quick-start
}

/**
 * How a new task will fail, if it will: its input's own failure (https://docs.meshy.ai/en/api/errors), else the emulator's faults
 * (marker, rule, seeded draws), which count in stats. https://docs.meshy.ai/en/api/authentication: test mode always returns its sample.
 */
function failureOf(state: EmulatorState, account: Account, plan: TaskPlan, body: Record<string, unknown>): { fault: TaskFault; name?: FaultName } | undefined {
  if (account.testMode) return undefined;
  if (plan.failure) return { fault: plan.failure };
  return taskFailureFor({ type: plan.type, prompt: plan.prompt, texturePrompt: plan.texturePrompt, body }, state.options.faultRule, state.faults.taskFailures);
}

/** https://docs.meshy.ai/en/api/task-lifecycle: a bare array of the caller's own tasks. */
export function listTasks(state: EmulatorState, resource: EmulatedResource, account: Account, query: URLSearchParams): Answer {
  const now = state.options.now();
  const own = [...state.tasks.values()].filter((task) => task.account === account.id && task.resource === resource.path);
  return { status: 200, body: pageOf(own, pageQuery(query)).map((task) => presentTask(state, task, now)) };
}

export function getTask(state: EmulatorState, resource: EmulatedResource, account: Account, id: string): Answer {
  const now = state.options.now();
  const task = findTask(state, account, resource, id);
  const { status } = snapshotAt(task, now);
  // https://docs.meshy.ai/en/api/task-lifecycle: Meshy's lifecycle page shows `Retry-After: 5` on a GET of a running task; here it is
  // capped by the time the task has left, so short emulated tasks are not over-waited.
  const running = status === 'PENDING' || status === 'IN_PROGRESS';
  const retryAfter = String(Math.min(5, Math.max(1, Math.ceil((task.finishedAt - now) / 1000))));
  return { status: 200, body: presentTask(state, task, now), headers: running ? { 'retry-after': retryAfter } : {} };
}

/** https://docs.meshy.ai/en/api/task-lifecycle: permanent, 200 with no body. A deleted running task is not refunded (undocumented). */
export function deleteTask(state: EmulatorState, resource: EmulatedResource, account: Account, id: string): Answer {
  const task = findTask(state, account, resource, id);
  state.tasks.delete(task.id);
  state.open.delete(task);
  return { status: 200 };
}

/**
 * https://docs.meshy.ai/en/api/text-to-3d: SSE updates until the task is final. `streams` collects stop functions for close(); `fault`
 * stalls or drops the stream, and `decorate` adds a fault's extra fields to the final object.
 */
export function streamTaskEvents(
  state: EmulatorState,
  resource: EmulatedResource,
  account: Account,
  id: string,
  res: ServerResponse,
  streams: Set<() => void>,
  fault: { stream?: StreamFault['fault']; decorate?: (task: Record<string, unknown>) => Record<string, unknown> } = {},
): void {
  if (!ownTask(state, account, id, resource)) {
    streamNotFound(res);
    return;
  }
  // About 20 updates per task however short it is (Meshy sends dozens over a minute, https://docs.meshy.ai/en/api/task-lifecycle).
  const tickMs = Math.min(1000, Math.max(20, state.options.taskDurationMs / 20));
  const read = () => {
    const task = ownTask(state, account, id, resource);
    if (!task) return undefined;
    const now = state.options.now();
    settle(state, now);
    const { status, progress } = snapshotAt(task, now);
    const full = () => presentTask(state, task, now);
    return { id, status, progress, endsInMs: task.finishedAt - now, full: fault.decorate ? () => fault.decorate!(full()) : full };
  };
  const stop = streamTask(res, read, tickMs, fault.stream ? { fault: fault.stream, fired: () => recordFault(state, fault.stream!.kind) } : undefined);
  streams.add(stop);
  res.on('close', () => streams.delete(stop));
}

/** https://docs.meshy.ai/en/api/task-lifecycle: page_num from 1, page_size 1–50 (default 10), sort_by ±created_at (default newest first). */
function pageQuery(query: URLSearchParams): PageQuery {
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const text = query.get(name);
    if (text === null) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}`;
      throw new ApiError(400, `${name} must be an integer ${range} (got ${JSON.stringify(text)})`);
    }
    return value;
  };
  // An unencoded `+` arrives as a space; take it as the client meant it.
  const sort = (query.get('sort_by') ?? '-created_at').replace(/^ /, '+');
  if (sort !== '+created_at' && sort !== '-created_at') {
    throw new ApiError(400, `sort_by must be one of "+created_at", "-created_at" (got ${JSON.stringify(query.get('sort_by'))})`);
  }
  return { pageNum: integer('page_num', 1, 1, Infinity), pageSize: integer('page_size', 10, 1, 50), ascending: sort === '+created_at' };
}

/** A task of the caller's account (of the given resource); tasks of other accounts do not exist for it. */
function ownTask(state: EmulatorState, account: Account, id: string, resource?: EmulatedResource): Task | undefined {
  const task = state.tasks.get(id);
  if (!task || task.account !== account.id || (resource && task.resource !== resource.path)) return undefined;
  return task;
}

function findTask(state: EmulatorState, account: Account, resource: EmulatedResource, id: string): Task {
  const task = ownTask(state, account, id, resource);
  if (!task) throw new ApiError(404, 'Task not found');
  return task;
}
