import * as timers from 'node:timers/promises';
import { MeshyApiError } from './errors.js';

/** How often and how patiently requests are retried. */
export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * Exponential backoff with full jitter, so many builds hitting a limit at once do not retry in step.
 * A server's Retry-After wins when it asks for longer.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxDelayMs * 4));
}

/** `Retry-After` is seconds or an HTTP date (RFC 9110, section 10.2.3). */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Error codes of failures that happen before a request is written, so it cannot have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export function failedBeforeSending(error: unknown): boolean {
  for (let current = error as { code?: string; cause?: unknown } | undefined; current; current = current.cause as typeof current) {
    if (current.code && NOT_SENT_CODES.has(current.code)) return true;
  }
  return false;
}

/**
 * Waits `ms`; an abort rejects with the signal's own reason (not Node's AbortError), as every other
 * aborted call of the client does.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await timers.setTimeout(ms, undefined, { signal });
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
}

/** Where a retry loop reports its attempts. */
export interface RetryContext {
  policy: RetryPolicy;
  log: (line: string) => void;
}

/** How many retries an error allows: a full queue empties as tasks finish, so it is waited for far longer than a flaky network. */
export function retryBound(error: unknown, policy: RetryPolicy): number {
  const queueFull = error instanceof MeshyApiError && error.code === 'MESHY_QUEUE_FULL';
  return queueFull ? policy.retries * 12 : policy.retries;
}

/**
 * The client's one retry loop: runs `attempt` again while `canRetry` allows it, within the bound,
 * after a backoff that honours a Meshy `Retry-After`. An abort ends it at once.
 */
export async function withRetries<T>(
  context: RetryContext,
  what: string,
  attempt: () => Promise<T>,
  canRetry: (error: unknown) => boolean,
  signal?: AbortSignal,
): Promise<T> {
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      const bound = retryBound(error, context.policy);
      if (signal?.aborted || tries >= bound || !canRetry(error)) throw error;
      const delay = retryDelayMs(Math.min(tries, 10), context.policy, error instanceof MeshyApiError ? error.retryAfterMs : undefined);
      context.log(`${what}: ${(error as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s (${tries + 1}/${bound})`);
      await pause(delay, signal);
    }
  }
}

/**
 * At most `perSecond` requests start in any one second (Meshy's limit is per account, https://docs.meshy.ai/en/api/rate-limits): each call
 * waits for its slot. Slots are handed out in call order.
 */
export function createRateGate(perSecond: number, now: () => number = Date.now): (signal?: AbortSignal) => Promise<void> {
  const interval = 1000 / perSecond;
  let nextSlot = 0;
  return async (signal) => {
    const time = now();
    const slot = Math.max(time, nextSlot);
    nextSlot = slot + interval;
    if (slot > time) await waitForSlot(slot - time, signal);
  };
}

/**
 * The gate waits on the global timer rather than node:timers/promises because vitest's fake timers
 * cannot drive the latter (https://github.com/vitest-dev/vitest/issues/10871), and the gate's test uses them.
 */
function waitForSlot(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
