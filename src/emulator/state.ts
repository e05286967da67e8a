import { randomBytes } from 'node:crypto';
import { type Account, createAccounts } from './accounts.js';
import { signAssetUrl } from './assets.js';
import { type ByteCache, createByteCache } from './byte-cache.js';
import { createFaultInjector, type FaultInjector, type FaultName } from './faults/index.js';
import { createIdGenerator } from './ids.js';
import type { ResolvedEmulatorOptions } from './options.js';
import type { EmulatedResource } from './resource.js';
import { isFinal, precedingTasks, snapshotAt, type Task } from './tasks.js';

export interface EmulatorStats {
  /** Every HTTP request received, API calls and downloads alike. */
  requests: number;
  tasksCreated: number;
  /** Creates refused because the account's queue was full (429 NoMoreConcurrentTasks): nothing was created. */
  createsRefused: number;
  creditsCharged: number;
  creditsRefunded: number;
  /** GETs of result files. */
  downloads: number;
  tasksByType: Record<string, number>;
  /** Faults that actually fired, by name (faults/schema.ts `FaultName`). */
  faultsInjected: Record<string, number>;
}

/** Everything the emulator knows, as plain data; the functions below and server.ts work on it. */
export interface EmulatorState {
  options: ResolvedEmulatorOptions;
  /** Known once the server listens. */
  baseUrl: string;
  /** Signs asset URLs; new each run, so URLs of another run are rejected. */
  secret: Buffer;
  accounts: Map<string, Account>;
  tasks: Map<string, Task>;
  /** Tasks not yet seen in a final state: the queue, and failures still to refund. */
  open: Set<Task>;
  stats: EmulatorStats;
  files: ByteCache;
  resources: readonly EmulatedResource[];
  /** Replaced as a whole by `setFaults`. */
  faults: FaultInjector;
  newId: (nowMs: number) => string;
}

/** Enough for a few `large` refines (tens of MB each). */
const FILE_CACHE_BYTES = 512 * 1024 * 1024;

export function createState(options: ResolvedEmulatorOptions, resources: readonly EmulatedResource[]): EmulatorState {
  return {
    options,
    baseUrl: '',
    secret: randomBytes(32),
    accounts: createAccounts(options.apiKeys, options.balance),
    tasks: new Map(),
    open: new Set(),
    stats: { requests: 0, tasksCreated: 0, createsRefused: 0, creditsCharged: 0, creditsRefunded: 0, downloads: 0, tasksByType: {}, faultsInjected: {} },
    files: createByteCache(FILE_CACHE_BYTES),
    resources,
    faults: createFaultInjector(options.faults),
    newId: createIdGenerator(),
  };
}

/** Catches up with the clock: tasks that reached a final state leave the queue, failures are refunded. */
export function settle(state: EmulatorState, now: number): void {
  for (const task of state.open) {
    const { status } = snapshotAt(task, now);
    if (!isFinal(status)) continue;
    state.open.delete(task);
    if (status === 'FAILED' && task.credits > 0 && !task.refunded) {
      task.refunded = true;
      accountOf(state, task).balance += task.credits;
      state.stats.creditsRefunded += task.credits;
    }
  }
}

/** The account's PENDING and IN_PROGRESS tasks that count against its queue limit (https://docs.meshy.ai/en/api/rate-limits; call settle first). */
export function queuedTasks(state: EmulatorState, account: Account): Task[] {
  return [...state.open].filter((task) => task.account === account.id && resourceOf(state, task).queued !== false);
}

function accountOf(state: EmulatorState, task: Task): Account {
  for (const account of state.accounts.values()) if (account.id === task.account) return account;
  throw new Error(`task ${task.id} has no account`);
}

export function resourceOf(state: EmulatorState, task: Task): EmulatedResource {
  const resource = state.resources.find((candidate) => candidate.path === task.resource);
  if (!resource) throw new Error(`task ${task.id} has no resource`);
  return resource;
}

export function presentTask(state: EmulatorState, task: Task, now: number): Record<string, unknown> {
  return resourceOf(state, task).present(task, {
    snapshot: snapshotAt(task, now),
    precedingTasks: precedingTasks(task, state.open, now),
    assetUrl: (file) => signAssetUrl(state.baseUrl, state.secret, task.id, file, linkExpiry(state, task, now)),
  });
}

/**
 * When a link read now stops working: the end of the link-TTL window it is read in (windows start when the task finishes, so every
 * read in one window gets the same URL), in whole seconds, never past the task's retention.
 */
function linkExpiry(state: EmulatorState, task: Task, now: number): number {
  const ttl = state.options.linkTtlMs;
  const windowEnd = task.finishedAt + ttl * (Math.floor(Math.max(0, now - task.finishedAt) / ttl) + 1);
  return Math.min(Math.ceil(windowEnd / 1000) * 1000, task.expiresAt);
}

/** Counts a fault that fired, so tests can tell it did. */
export function recordFault(state: EmulatorState, name: FaultName): void {
  state.stats.faultsInjected[name] = (state.stats.faultsInjected[name] ?? 0) + 1;
}
