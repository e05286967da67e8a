import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type JournalStage, journalStageSchema } from '../cache/index.js';
import { RemoteStoreError } from './errors.js';
import { parseJson, remoteKeys } from './models.js';
import { failureOf, type ObjectStore } from './objects.js';

/**
 * A claim on a spec key: who is generating it, until when (renewed while it works), and the Meshy
 * tasks it has asked for, as its journal records them. Written with `If-None-Match: *` (one machine
 * wins), renewed and taken over with `If-Match` on the ETag read: a store that honours conditional
 * writes lets one machine at a time pay for a key.
 */
const claimSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  label: z.string(),
  holder: z.string(),
  expiresAt: z.number(),
  stages: z.array(journalStageSchema),
});

type ClaimRecord = z.infer<typeof claimSchema>;

/**
 * Another machine took the claim over (this one's lease ran out while it was stalled): what this
 * machine was about to send is not sent; the other resumes the recorded tasks.
 */
export class ClaimLostError extends RemoteStoreError {}

/** A claim this process holds: its journal is written through to it, and its lease renewed. */
export interface HeldClaim {
  /**
   * Records the journal's stages (a create about to be sent, a new task id, a FAILED result) and
   * renews the lease; a ClaimLostError when another machine has taken the claim over.
   */
  record(stages: JournalStage[]): Promise<void>;
  /** Lets the key go with its stages recorded and its lease over: another machine resumes those tasks (or sees their failure). */
  release(stages: JournalStage[]): Promise<void>;
  /** Removes the claim: the key's entry is in the store. */
  finish(): Promise<void>;
}

export type ClaimOutcome =
  /** This process holds the key; `stages`: the tasks a claim it took over recorded (resume them, never create them again). */
  | { type: 'held'; claim: HeldClaim; stages: JournalStage[] }
  /** The key's entry is in the remote store. */
  | { type: 'done' }
  /** A task of the key FAILED on another machine: its stages, to report (not retried unless asked). */
  | { type: 'failed'; stages: JournalStage[] };

export interface ClaimOptions {
  holder: string;
  label: string;
  leaseMs: number;
  /** This machine's journal of the key: the stages a new claim starts with. */
  stages: JournalStage[];
  /** Take over a claim whose task FAILED, to try again (`retryFailed`). */
  retryFailed: boolean;
  /** Progress: `waiting for <holder>`. */
  log: (line: string) => void;
  warn: (line: string) => void;
  now?: () => number;
}

/** Waits between looks at a live claim: from 200 ms, growing, at most 5 s (or a third of the lease). */
export function backoffMs(attempt: number, leaseMs: number): number {
  return Math.min(200 * 1.5 ** attempt, 5000, Math.max(200, leaseMs / 3));
}

/**
 * Claims `key` before anything is paid for. A live claim of another machine is waited out (its
 * result, or its lease's end); an expired one is taken over with the task ids it recorded.
 */
export async function claimKey(objects: ObjectStore, key: string, options: ClaimOptions): Promise<ClaimOutcome> {
  const now = options.now ?? Date.now;
  const claimKey = remoteKeys.claim(key);
  const record = (stages: JournalStage[]): ClaimRecord => ({
    version: 1,
    key,
    label: options.label,
    holder: options.holder,
    expiresAt: now() + options.leaseMs,
    stages,
  });
  let waitingFor: string | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await objects.stat(remoteKeys.entry(key))) return { type: 'done' };
    const created = await conditionalWrite(objects, claimKey, record(options.stages), { ifNoneMatch: true });
    if (created) {
      // A holder writes the entry before it removes its claim: a claim made after that removal sees the entry.
      if (await objects.stat(remoteKeys.entry(key))) {
        await objects.remove(claimKey).catch(() => undefined);
        return { type: 'done' };
      }
      return held(objects, key, created, options.stages, options, record);
    }
    const current = await readClaim(objects, claimKey);
    if (!current) continue; // released in between: try again
    const failed = current.claim.stages.some((stage) => stage.state === 'failed');
    if (failed && !options.retryFailed) return { type: 'failed', stages: current.claim.stages };
    if (failed || current.claim.expiresAt <= now()) {
      const stages = failed ? [] : current.claim.stages;
      const taken = await conditionalWrite(objects, claimKey, record(stages), { ifMatch: current.etag });
      if (taken && (await objects.stat(remoteKeys.entry(key)))) {
        await objects.remove(claimKey).catch(() => undefined);
        return { type: 'done' };
      }
      if (taken) {
        if (!failed && stages.length)
          options.log(`"${options.label}": took over the claim of ${current.claim.holder} (its lease ended); resuming its Meshy tasks`);
        return held(objects, key, taken, stages, options, record);
      }
      continue;
    }
    if (waitingFor !== current.claim.holder) {
      waitingFor = current.claim.holder;
      options.log(`"${options.label}": waiting for ${current.claim.holder}, which is generating it (remote store ${objects.url})`);
    }
    await sleep(backoffMs(attempt, options.leaseMs));
  }
}

/**
 * The write's new ETag, or undefined when its condition was not met (another machine wrote first).
 * A 409 ConditionalRequestConflict (another conditional write on the key was in flight) is retried:
 * AWS S3 asks for that (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html).
 */
async function conditionalWrite(
  objects: ObjectStore,
  key: string,
  claim: ClaimRecord,
  condition: { ifNoneMatch?: true; ifMatch?: string },
): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await objects.write(key, `${JSON.stringify(claim)}\n`, condition);
    } catch (error) {
      const failure = failureOf(error);
      if (failure === 'conflict' && attempt < CONFLICT_RETRIES) {
        await sleep(25 + Math.random() * 75 * (attempt + 1));
        continue;
      }
      if (failure === 'precondition' || failure === 'conflict') return undefined;
      throw error;
    }
  }
}

const CONFLICT_RETRIES = 8;

async function readClaim(objects: ObjectStore, key: string): Promise<{ claim: ClaimRecord; etag: string } | undefined> {
  const found = await objects.read(key);
  if (!found) return undefined;
  const parsed = claimSchema.safeParse(parseJson(found.text));
  // Garbage in a claim's place holds nothing: it counts as an expired claim with no tasks.
  if (!parsed.success) return { claim: { version: 1, key, label: '', holder: 'an unreadable claim', expiresAt: 0, stages: [] }, etag: found.etag };
  return { claim: parsed.data, etag: found.etag };
}

function held(
  objects: ObjectStore,
  key: string,
  firstEtag: string,
  stages: JournalStage[],
  options: ClaimOptions,
  record: (stages: JournalStage[]) => ClaimRecord,
): ClaimOutcome {
  const claimKey = remoteKeys.claim(key);
  let etag = firstEtag;
  let lost = false;
  let latest = stages;
  let chain: Promise<void> = Promise.resolve();
  const lostError = () =>
    new ClaimLostError('MESHY_REMOTE_CLAIM_LOST', `"${options.label}": another machine took over its claim in ${objects.url} (this one's lease ran out)`, {
      context: { key },
    });
  // Writes one at a time, each on the ETag of the last: one lost race means another machine took it over.
  const write = (next: ClaimRecord): Promise<void> => {
    const written = chain.then(async () => {
      if (lost) throw lostError();
      let newEtag: string | undefined;
      try {
        newEtag = await conditionalWrite(objects, claimKey, next, { ifMatch: etag });
      } catch (error) {
        // The store stopped answering: the local journal keeps the tasks; the claim stays on the ETag known.
        options.warn(`"${options.label}": could not update its claim in ${objects.url} (${(error as Error).message}); the local journal keeps its tasks`);
        return;
      }
      if (newEtag === undefined) {
        lost = true;
        clearInterval(renewal);
        throw lostError();
      }
      etag = newEtag;
    });
    chain = written.catch(() => undefined);
    return written;
  };
  const renewal = setInterval(() => void write(record(latest)).catch(() => undefined), Math.max(100, options.leaseMs / 4));
  renewal.unref();
  return {
    type: 'held',
    stages,
    claim: {
      record(next) {
        latest = next;
        return write(record(next));
      },
      async release(next) {
        clearInterval(renewal);
        latest = next;
        await write({ ...record(next), expiresAt: 0 }).catch(() => undefined);
      },
      async finish() {
        clearInterval(renewal);
        await chain;
        if (!lost) await objects.remove(claimKey).catch(() => undefined);
      },
    },
  };
}
