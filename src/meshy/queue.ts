import { sha256 } from '../hash.js';
import { isQueueFull, type MeshyApiError, MeshyQueueFullError } from './errors.js';
import { type RetryPolicy, retryBound, retryDelayMs } from './retry.js';

/**
 * Meshy runs a fixed number of an account's tasks at once, shared by all of its keys and clients
 * (https://docs.meshy.ai/en/api/rate-limits: "Queue Tasks"), and refuses a create beyond it with
 * `429 NoMoreConcurrentTasks`, creating nothing. Retrying such a create on a backoff timer leaves the
 * queue idle between a slot freeing and the timer running out, and prints a line per refusal. This
 * admission queue instead holds creates locally once Meshy said the queue is full, and sends the next
 * one the moment one of our own tasks ends (the wait code reports it), best first.
 */

/** How the account's queue stands, as a held create is told. */
export interface QueueState {
  /** Slots our own tasks hold (running, kept for a model's next task, or being created). */
  inUse: number;
  /** The account's queue size as Meshy last showed it to us; undefined: other clients hold every slot. */
  limit: number | undefined;
  /** Creates held until a slot frees. */
  waiting: number;
}

/** A create asking for a slot. */
export interface QueuedCreate {
  /** Higher goes first; ties in order of arrival. */
  priority: number;
  /** The task whose slot this create takes over when that task kept it (see `settled`). */
  after?: string;
  /** Names the resource in errors. */
  resource: string;
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Told how the queue stands whenever that changes while this create is held. */
  onQueue?: (state: QueueState) => void;
}

export interface AccountQueue {
  /**
   * Runs `send` (one create request, which either returns the new task's id or throws) as soon as the
   * account's queue has room. A refusal for a full queue holds the create again, in its place; any
   * other error is thrown.
   */
  submit(create: QueuedCreate, send: () => Promise<string>): Promise<string>;
  /** Our task `id` is being followed: its end will be reported with `settled`. */
  watch(id: string): void;
  /**
   * Our task `id` reached a final state (or is no longer followed): its slot is free. With `handOver`
   * the slot is kept a moment for the create that names `id` as `after` (a refine after its preview).
   */
  settled(id: string, handOver?: boolean): void;
  state(): QueueState;
}

export interface QueueTiming {
  now: () => number;
  /**
   * A task we created counts as ours this long before anyone follows it (its creator journals the
   * id first). A task nobody follows sends no end signal, so it is then forgotten.
   */
  watchGraceMs: number;
  /** How long a finished task's slot waits for its model's next create. */
  handOverMs: number;
  /** The longest wait between timed retries, which happen only while no task of ours holds a slot. */
  maxRetryDelayMs: number;
  /** After a refusal, when one create may test whether other clients have freed slots (doubling up to `maxProbeMs`). */
  probeMs: number;
  maxProbeMs: number;
}

const DEFAULT_TIMING: QueueTiming = {
  now: () => Date.now(),
  watchGraceMs: 1000,
  handOverMs: 1000,
  maxRetryDelayMs: 5000,
  probeMs: 30_000,
  maxProbeMs: 5 * 60_000,
};

interface Held {
  create: QueuedCreate;
  seq: number;
  /** Being sent (admitted), as opposed to held. */
  sending: boolean;
  /** Refusals while no task of ours held a slot: only other clients can free one then. */
  idleRefusals: number;
  admit: () => void;
}

interface OwnTask {
  /** Waits following it; 0 while its creator has not started one yet. */
  watchers: number;
  since: number;
}

export function createAccountQueue(timing: QueueTiming = DEFAULT_TIMING): AccountQueue {
  const ours = new Map<string, OwnTask>();
  const kept = new Map<string, NodeJS.Timeout>();
  const held: Held[] = [];
  let sending = 0;
  let seq = 0;
  /** What Meshy showed at its last refusal; forgotten when the queue goes idle. */
  let limit: number | undefined;
  /** Timed retries (no task of ours to wait for) not before this. */
  let retryAt = 0;
  /** A create beyond `limit` may test it from this time on. */
  let probeAt = Number.POSITIVE_INFINITY;
  let refusalsInRow = 0;
  let wake: NodeJS.Timeout | undefined;
  let reported = '';

  const inUse = () => ours.size + kept.size + sending;
  const state = (): QueueState => ({ inUse: inUse(), limit, waiting: held.filter((entry) => !entry.sending).length });

  function forgetUnfollowed(now: number): void {
    for (const [id, task] of ours) if (task.watchers === 0 && now - task.since >= timing.watchGraceMs) ours.delete(id);
  }

  /** The next held create: best priority, then first come. */
  function next(): Held | undefined {
    let best: Held | undefined;
    for (const entry of held) {
      if (entry.sending) continue;
      if (!best || entry.create.priority > best.create.priority || (entry.create.priority === best.create.priority && entry.seq < best.seq)) best = entry;
    }
    return best;
  }

  function admit(entry: Held): void {
    entry.sending = true;
    sending++;
    entry.admit();
  }

  /** Sends what may be sent now, and says why the rest waits; called on every change. */
  function pump(): void {
    clearTimeout(wake);
    wake = undefined;
    const now = timing.now();
    forgetUnfollowed(now);
    if (held.length === 0 && inUse() === 0) {
      forgetLearned();
      return;
    }
    handOverKeptSlots();
    const candidate = next();
    const decision = decide(now);
    if (candidate && decision.send) admit(candidate);
    else if (candidate && decision.wakeAt !== undefined && Number.isFinite(decision.wakeAt)) schedule(decision.wakeAt - now);
    report(decision.holding);
  }

  /** Idle: what was learned may be stale by the next build (other clients come and go). */
  function forgetLearned(): void {
    limit = undefined;
    retryAt = 0;
    probeAt = Number.POSITIVE_INFINITY;
    refusalsInRow = 0;
  }

  /** A model's next task takes the slot its previous task kept for it, ahead of everything held. */
  function handOverKeptSlots(): void {
    for (const entry of held) {
      const after = entry.create.after;
      if (entry.sending || after === undefined || !kept.has(after)) continue;
      clearTimeout(kept.get(after));
      kept.delete(after);
      admit(entry);
    }
  }

  /** Whether the next held create may go out now; if not, whether the queue is full and when to look again. */
  function decide(now: number): { send: boolean; holding: boolean; wakeAt?: number } {
    const full = limit !== undefined && inUse() >= limit;
    // One create on the wire at a time: a burst would learn the limit with a refusal per extra create.
    if (sending > 0) return { send: false, holding: full || now < retryAt };
    // Our own tasks will free slots and say so; without them only a timer can tell.
    const endsExpected = ours.size > 0 || kept.size > 0;
    if (full && endsExpected && now < probeAt) return { send: false, holding: true, wakeAt: Math.min(probeAt, ...unfollowedDeadlines()) };
    if (now < retryAt) return { send: false, holding: true, wakeAt: retryAt };
    return { send: true, holding: false };
  }

  function unfollowedDeadlines(): number[] {
    return [...ours.values()].filter((task) => task.watchers === 0).map((task) => task.since + timing.watchGraceMs);
  }

  function schedule(ms: number): void {
    wake = setTimeout(pump, Math.max(0, ms));
    wake.unref?.();
  }

  /** Tells held creates how the queue stands, once per change, while the queue holds them. */
  function report(holding: boolean): void {
    if (!held.some((entry) => !entry.sending)) reported = '';
    if (!holding) return;
    const now = state();
    const text = JSON.stringify(now);
    if (text === reported) return;
    reported = text;
    for (const entry of held) if (!entry.sending) entry.create.onQueue?.(now);
  }

  /** A refusal: the limit is what we held then; timed retries back off, up to `maxRetryDelayMs`. */
  function refused(entry: Held, error: MeshyApiError): void {
    const now = timing.now();
    const own = inUse();
    limit = own > 0 ? own : undefined;
    if (own === 0) entry.idleRefusals++;
    refusalsInRow++;
    const policy = { ...entry.create.policy, maxDelayMs: Math.min(entry.create.policy.maxDelayMs, timing.maxRetryDelayMs) };
    retryAt = now + Math.min(timing.maxRetryDelayMs, retryDelayMs(Math.min(refusalsInRow - 1, 10), policy, error.retryAfterMs));
    probeAt = now + Math.min(timing.maxProbeMs, timing.probeMs * 2 ** Math.min(refusalsInRow - 1, 10));
  }

  function created(id: string): void {
    ours.set(id, { watchers: 0, since: timing.now() });
    // Sent beyond the learned limit and accepted: other clients freed slots; learn it again.
    if (limit !== undefined && inUse() > limit) limit = undefined;
    refusalsInRow = 0;
    probeAt = Number.POSITIVE_INFINITY;
  }

  function leave(entry: Held): void {
    const index = held.indexOf(entry);
    if (index !== -1) held.splice(index, 1);
  }

  async function turn(entry: Held, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        leave(entry);
        reject(signal!.reason);
        pump();
      };
      entry.admit = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pump();
    });
  }

  return {
    async submit(create, send) {
      const entry: Held = { create, seq: seq++, sending: false, idleRefusals: 0, admit: () => {} };
      held.push(entry);
      for (;;) {
        await turn(entry, create.signal);
        try {
          const id = await send();
          sending--;
          leave(entry);
          created(id);
          pump();
          return id;
        } catch (error) {
          sending--;
          entry.sending = false;
          if (!isQueueFull(error) || create.signal?.aborted) {
            leave(entry);
            pump();
            throw error;
          }
          refused(entry, error);
          const bound = retryBound(error, create.policy);
          if (entry.idleRefusals > bound) {
            leave(entry);
            pump();
            throw new MeshyQueueFullError({ resource: create.resource, refusals: entry.idleRefusals, cause: error });
          }
        }
      }
    },
    watch(id) {
      const task = ours.get(id);
      if (task) task.watchers++;
      else ours.set(id, { watchers: 1, since: timing.now() });
    },
    settled(id, handOver = false) {
      const task = ours.get(id);
      if (!task) return;
      if (--task.watchers > 0) return;
      ours.delete(id);
      if (handOver) {
        const timer = setTimeout(() => {
          kept.delete(id);
          pump();
        }, timing.handOverMs);
        timer.unref?.();
        kept.set(id, timer);
      }
      // A slot of ours is free: that is news about the queue, not a reason to wait out a backoff.
      retryAt = 0;
      refusalsInRow = 0;
      pump();
    },
    state,
  };
}

const queues = new Map<string, AccountQueue>();

/** The queue of the account behind an API base and key: one per process, shared by every client of it. */
export function accountQueue(account: { baseUrl: string; apiKey: string }): AccountQueue {
  const id = sha256(`${account.baseUrl}\n${account.apiKey}`);
  let queue = queues.get(id);
  if (!queue) {
    queue = createAccountQueue();
    queues.set(id, queue);
  }
  return queue;
}
