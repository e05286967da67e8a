import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import lockfile from 'proper-lockfile';

export interface LockOptions {
  /**
   * A lock whose holder stopped refreshing it for this long is taken over (its process died). The
   * holder refreshes it every `staleMs / 4`. At least 2000 (the library's floor).
   */
  staleMs?: number;
  /** Called once if the lock is held elsewhere and this call has to wait for it. */
  onWait?: () => void;
  signal?: AbortSignal;
}

/**
 * Runs `job` while holding a cross-process lock on `path` (a `path.lock` directory, made atomically
 * by mkdir, refreshed while held, taken over when stale: proper-lockfile's protocol). Waits as long
 * as another live process holds it: that process is generating the same model, and waiting for it
 * is what keeps the model from being paid for twice.
 */
export async function withFileLock<T>(path: string, job: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const stale = Math.max(2000, options.staleMs ?? 20_000);
  await mkdir(dirname(path), { recursive: true });
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  for (let waited = false; !release; ) {
    try {
      release = await lockfile.lock(path, {
        realpath: false,
        stale,
        update: Math.max(1000, Math.floor(stale / 4)),
        retries: 0,
        // Losing the lock mid-job (the machine slept past `stale`) is reported, not thrown from a timer.
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (!waited) options.onWait?.();
      waited = true;
      await setTimeout(150 + Math.random() * 350, undefined, { signal: options.signal });
    }
  }
  try {
    return await job();
  } finally {
    if (!compromised) await release().catch(() => undefined);
  }
}
