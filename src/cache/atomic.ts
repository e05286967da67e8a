import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes a file so that readers see either the old content or the whole new content, never a part:
 * the bytes go to a temp file in `tmpDir` (same file system), are flushed, then renamed into place.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string, tmpDir = dirname(path)): Promise<void> {
  await mkdir(tmpDir, { recursive: true });
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(tmpDir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * Removes temp files left by processes that died mid-write (their names start with the writer's
 * pid). Files of live processes are theirs to finish. Returns how many were removed.
 */
export async function sweepTempFiles(tmpDir: string, isAlive: (pid: number) => boolean = processIsAlive): Promise<number> {
  const names = await readdir(tmpDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const pid = Number(/^\.(\d+)-[0-9a-f]+\.tmp$/.exec(name)?.[1]);
    if (!pid || isAlive(pid)) continue;
    await rm(join(tmpDir, name), { force: true });
    removed++;
  }
  return removed;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
