/**
 * Tasks are schedules, not processes: a task stores when it leaves the queue and when it ends, and
 * its status and progress at any moment are computed from the clock. No timer runs per task, so
 * thousands of tasks cost nothing and a test clock can jump straight to any point of their lives.
 */

export type TaskStatus = 'PENDING' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

/** `task_error` of a failed task (https://docs.meshy.ai/en/api/errors). */
export interface TaskError {
  type?: 'invalid_input' | 'timeout' | 'service_unavailable' | 'server_error';
  code?: string;
  message: string;
  doc_url?: string;
}

export interface Task {
  id: string;
  /** Path of the collection the task belongs to, e.g. `/openapi/v2/text-to-3d`. */
  resource: string;
  /** `type` of the task object, e.g. `text-to-3d-preview`. */
  type: string;
  /** Owner; tasks of other accounts are invisible (404). */
  account: string;
  seed: number;
  /** Credits charged at creation. */
  credits: number;
  refunded: boolean;
  createdAt: number;
  /** Leaves the queue (PENDING → IN_PROGRESS). */
  startedAt: number;
  /** Time from start to 100 %. */
  runMs: number;
  /** Turns SUCCEEDED, or FAILED when `failure` is set. */
  finishedAt: number;
  /** End of retention (https://docs.meshy.ai/en/api/asset-retention); meaningful once SUCCEEDED. */
  expiresAt: number;
  failure?: TaskError;
  /** A stuck task (the `stuckTasks` fault) never finishes and its progress stops here. */
  progressCap?: number;
  /** The resource's own view of the request (opaque here). */
  input: unknown;
}

export interface TaskSnapshot {
  status: TaskStatus;
  progress: number;
  /** 0 until it happens (https://docs.meshy.ai/en/api/task-lifecycle). */
  startedAt: number;
  finishedAt: number;
  expiresAt: number;
}

export interface Schedule {
  now: number;
  queueDelayMs: number;
  taskDurationMs: number;
  retentionMs: number;
}

export interface NewTask {
  id: string;
  resource: string;
  type: string;
  account: string;
  seed: number;
  credits: number;
  input: unknown;
  /** Fails at this progress (0–99) instead of succeeding. */
  failure?: { atProgress: number; error: TaskError };
  /** Never finishes: lingers IN_PROGRESS at this progress (0–99). */
  stuckAt?: number;
}

/** Far enough in the future to be never, and still a number JSON can carry. */
const NEVER = Number.MAX_SAFE_INTEGER;

export function scheduleTask(task: NewTask, schedule: Schedule): Task {
  const { failure, stuckAt, ...rest } = task;
  const startedAt = schedule.now + schedule.queueDelayMs;
  const runMs = schedule.taskDurationMs;
  if (stuckAt !== undefined)
    return { ...rest, refunded: false, createdAt: schedule.now, startedAt, runMs, finishedAt: NEVER, expiresAt: NEVER, progressCap: stuckAt };
  const finishedAt = failure ? startedAt + Math.round((runMs * failure.atProgress) / 100) : startedAt + runMs;
  return {
    ...rest,
    refunded: false,
    createdAt: schedule.now,
    startedAt,
    runMs,
    finishedAt,
    expiresAt: finishedAt + schedule.retentionMs,
    ...(failure ? { failure: failure.error } : {}),
  };
}

export function snapshotAt(task: Task, now: number): TaskSnapshot {
  if (now < task.startedAt) return { status: 'PENDING', progress: 0, startedAt: 0, finishedAt: 0, expiresAt: 0 };
  if (now < task.finishedAt) {
    // 100 is only ever shown on success (https://docs.meshy.ai/en/api/task-lifecycle); Meshy also lingers at 99 while finalizing.
    const progress = Math.min(task.progressCap ?? 99, Math.floor((100 * (now - task.startedAt)) / Math.max(1, task.runMs)));
    return { status: 'IN_PROGRESS', progress, startedAt: task.startedAt, finishedAt: 0, expiresAt: 0 };
  }
  if (task.failure) {
    // https://docs.meshy.ai/en/api/task-lifecycle: a failed task reports progress 0 and has nothing to retain.
    return { status: 'FAILED', progress: 0, startedAt: task.startedAt, finishedAt: task.finishedAt, expiresAt: 0 };
  }
  return { status: 'SUCCEEDED', progress: 100, startedAt: task.startedAt, finishedAt: task.finishedAt, expiresAt: task.expiresAt };
}

export function isFinal(status: TaskStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELED';
}

/** `preceding_tasks`: the account's tasks created earlier and still waiting in the queue. */
export function precedingTasks(task: Task, accountTasks: Iterable<Task>, now: number): number {
  if (now >= task.startedAt) return 0;
  let ahead = 0;
  for (const other of accountTasks) {
    if (other.account === task.account && other.id < task.id && now < other.startedAt) ahead++;
  }
  return ahead;
}

export interface PageQuery {
  pageNum: number;
  pageSize: number;
  /** `-created_at` (newest first) unless asked otherwise. */
  ascending: boolean;
}

/** One page of a list endpoint (https://docs.meshy.ai/en/api/task-lifecycle). Ids are k-sortable, so they order ties within a millisecond. */
export function pageOf(tasks: Iterable<Task>, query: PageQuery): Task[] {
  const sorted = [...tasks].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  if (!query.ascending) sorted.reverse();
  const start = (query.pageNum - 1) * query.pageSize;
  return sorted.slice(start, start + query.pageSize);
}
