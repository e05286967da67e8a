import { statSync } from 'node:fs';

/**
 * A file's identity and last change: inode, size, modification and change times. Equal stamps,
 * unchanged file, as git trusts its index: any write, in place or by rename, changes the change time,
 * even one that puts the size and times back. Synchronous: a stat is microseconds, and a warm build
 * of many models makes hundreds, which the promise API would send through the thread pool one by one.
 */
export function fileStamp(path: string): string | undefined {
  const found = statSync(path, { throwIfNoEntry: false });
  return found && `${found.ino} ${found.size} ${found.mtimeMs} ${found.ctimeMs}`;
}
