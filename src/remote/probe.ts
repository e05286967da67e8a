import { randomBytes } from 'node:crypto';
import { failureOf, type ObjectStore } from './objects.js';

/** What a remote store allows, found once per process before it is used. */
export type ProbeVerdict =
  | { reachable: false; problem: string }
  | { reachable: true; writable: false; problem: string }
  | { reachable: true; writable: true; conditionalWrites: boolean };

/**
 * Puts one probe object twice, both times only if absent (`If-None-Match: *`): a store that honours
 * conditional writes refuses the second (412, or 409 while the first is settling), one that ignores
 * them overwrites it. The first put also tells whether the credentials may write at all, and a
 * failed read whether the store can be reached.
 */
export async function probeStore(objects: ObjectStore): Promise<ProbeVerdict> {
  const key = `probe/${randomBytes(8).toString('hex')}`;
  try {
    await objects.write(key, '{"probe":1}\n', { ifNoneMatch: true });
  } catch (error) {
    if (failureOf(error) === 'denied') {
      // Refused to write: can it read? (A missing object is a successful read.)
      const readable = await objects.stat(key).then(
        () => true,
        () => false,
      );
      if (readable) return { reachable: true, writable: false, problem: (error as Error).message };
    }
    return { reachable: false, problem: describe(error) };
  }
  let conditionalWrites = false;
  try {
    await objects.write(key, '{"probe":2}\n', { ifNoneMatch: true });
  } catch (error) {
    const failure = failureOf(error);
    if (failure !== 'precondition' && failure !== 'conflict') return { reachable: false, problem: describe(error) };
    conditionalWrites = true;
  }
  await objects.remove(key).catch(() => undefined);
  return { reachable: true, writable: true, conditionalWrites };
}

function describe(error: unknown): string {
  const { name, message, code } = error as { name?: string; message?: string; code?: string };
  return [code ?? name, message].filter(Boolean).join(': ') || String(error);
}
