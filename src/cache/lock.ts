import fs from 'node:fs';
import { lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import type Lockfile from 'proper-lockfile';
import { MeshyPluginError } from '../errors.js';

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

class LockError extends MeshyPluginError {}

/**
 * The file system proper-lockfile works through, except that a stale lock is removed with whatever
 * is in it: the library's `rmdir` fails on a lock directory someone put files in.
 */
const lockFs = {
  ...fs,
  rmdir: (path: string, callback: (error: NodeJS.ErrnoException | null) => void) => fs.rm(path, { recursive: true, force: true }, callback),
};

/**
 * Runs `job` while holding a cross-process lock on `path` (a `path.lock` directory, made atomically
 * by mkdir, refreshed while held, taken over when stale: proper-lockfile's protocol). Waits as long
 * as another live process holds it: that process is generating the same model, and waiting for it
 * is what keeps the model from being paid for twice. Garbage where the lock goes (a file, a stale
 * directory with files in it, a file named like the locks folder) is cleared; any other failure is
 * a LockError that says how to clear it.
 */
export async function withFileLock<T>(path: string, job: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const stale = Math.max(2000, options.staleMs ?? 20_000);
  const lockPath = `${path}.lock`;
  let compromised: Error | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    await ensureDirectory(dirname(path));
    await removeIfNotDirectory(lockPath);
  } catch (error) {
    throw lockError(lockPath, error);
  }
  for (let waited = false; !release; ) {
    try {
      release = await (await lockLibrary()).lock(path, {
        realpath: false,
        stale,
        update: Math.max(1000, Math.floor(stale / 4)),
        retries: 0,
        fs: lockFs,
        // Losing the lock mid-job (the machine slept past `stale`) is reported, not thrown from a timer.
        onCompromised: (error) => {
          compromised = error;
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw lockError(lockPath, error);
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

/** Makes the locks folder; a file in its place (never one of ours) is removed first. */
async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    await removeIfNotDirectory(dir);
    await mkdir(dir, { recursive: true });
  }
}

/** Locks are directories: anything else at a lock's path is garbage, and would block it until it looked stale. */
async function removeIfNotDirectory(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info || info.isDirectory()) return;
  try {
    // unlink never removes a directory: if another process has just made its lock there, it stays.
    await unlink(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EISDIR') throw error;
  }
}

function lockError(lockPath: string, cause: unknown): LockError {
  return new LockError(
    'MESHY_LOCK_FAILED',
    `Could not take the lock ${lockPath} (${(cause as Error).message}). Nothing was paid for. ` +
      `The locks folder holds only locks: when no build or dev server is running on this project, delete ${dirname(lockPath)} and try again.`,
    { cause, context: { path: lockPath } },
  );
}

let lockfileModule: Promise<typeof Lockfile> | undefined;

/** proper-lockfile, loaded on the first lock: reading a stored model takes none. */
function lockLibrary(): Promise<typeof Lockfile> {
  lockfileModule ??= import('proper-lockfile').then((module) => module.default);
  return lockfileModule;
}
