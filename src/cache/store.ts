import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshyPluginError } from '../errors.js';
import { sha256 } from '../hash.js';
import { writeFileAtomic } from './atomic.js';
import { assertGlb, assertImage } from './glb.js';
import type { StoreLayout } from './layout.js';
import { withFileLock } from './lock.js';
import {
  EMPTY_MANIFEST,
  type FileRecord,
  hasConflictMarkers,
  type Manifest,
  type ManifestEntry,
  manifestSchema,
  type RawSidecar,
  resultFileOf,
  serializeManifest,
} from './manifest.js';
import { fileStamp } from './stamp.js';

export { type StoreLayout, storeLayout } from './layout.js';

class CacheError extends MeshyPluginError {}

// Deleting a broken manifest would make every model be paid for again: the way out is `repair`.
const REPAIR_ADVICE =
  'Nothing was generated. Run `npx vite-plugin-meshy repair`: it rebuilds the manifest from the sidecar files in raw/ ' +
  '(<sha256>.json beside each paid model) and keeps every intact entry, without paying for anything. ' +
  'Do not delete the manifest: it is the record of what was paid for, and without it every model would be generated (and paid for) again.';

/**
 * The manifest as read last, per file, with the stat it was read at: a build with many stored models
 * reads and validates it once, and again only when a write (ours or another process's, always a
 * rename, so a new inode) changed it. Read-only: writers read their own copy.
 */
const manifestSnapshots = new Map<string, { stamp: string; manifest: Promise<Manifest> }>();

async function sharedManifest(layout: StoreLayout): Promise<Manifest> {
  const stamp = fileStamp(layout.manifest) ?? 'absent';
  const snapshot = manifestSnapshots.get(layout.manifest);
  if (snapshot?.stamp === stamp) return snapshot.manifest;
  const manifest = readManifest(layout);
  manifestSnapshots.set(layout.manifest, { stamp, manifest });
  manifest.catch(() => manifestSnapshots.delete(layout.manifest));
  return manifest;
}

export async function readManifest(layout: StoreLayout): Promise<Manifest> {
  let text: string;
  try {
    text = await readFile(layout.manifest, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY_MANIFEST);
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    const conflict = hasConflictMarkers(text) ? ': it has git conflict markers (<<<<<<<)' : '';
    throw new CacheError(
      'MESHY_CACHE_CORRUPT',
      `The Meshy cache manifest ${layout.manifest} is not valid JSON (a merge conflict?)${conflict}. ${REPAIR_ADVICE}`,
      {
        cause,
        context: { path: layout.manifest },
      },
    );
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CacheError(
      'MESHY_CACHE_CORRUPT',
      `The Meshy cache manifest ${layout.manifest} has an unexpected shape (${issue?.path.join('.') || 'top level'}: ${issue?.message}). ${REPAIR_ADVICE}`,
      { cause: parsed.error, context: { path: layout.manifest } },
    );
  }
  return parsed.data;
}

export async function readManifestEntry(layout: StoreLayout, key: string): Promise<ManifestEntry | undefined> {
  return (await sharedManifest(layout)).entries[key];
}

const manifestWrites = new Map<string, Promise<unknown>>();

/**
 * Adds or replaces one entry, merged into the file as it is on disk at that moment: writes within
 * this process are serialized, and across processes a lock on the manifest makes each
 * read-modify-write whole, so no process drops another's entries.
 */
export async function recordManifestEntry(layout: StoreLayout, key: string, entry: ManifestEntry): Promise<void> {
  const previous = manifestWrites.get(layout.manifest) ?? Promise.resolve();
  const write = previous
    .catch(() => undefined)
    .then(() =>
      withFileLock(join(layout.locks, 'manifest'), async () => {
        const manifest = await readManifest(layout);
        manifest.entries[key] = entry;
        await writeFileAtomic(layout.manifest, serializeManifest(manifest), layout.tmp);
      }),
    );
  manifestWrites.set(layout.manifest, write);
  try {
    await write;
  } finally {
    if (manifestWrites.get(layout.manifest) === write) manifestWrites.delete(layout.manifest);
  }
}

/** Removes entries (by spec key), merged like `recordManifestEntry`. Returns the removed entries. */
export async function removeManifestEntries(layout: StoreLayout, keys: readonly string[]): Promise<Record<string, ManifestEntry>> {
  const removed: Record<string, ManifestEntry> = {};
  await withFileLock(join(layout.locks, 'manifest'), async () => {
    const manifest = await readManifest(layout);
    for (const key of keys) {
      if (manifest.entries[key]) removed[key] = manifest.entries[key]!;
      delete manifest.entries[key];
    }
    await writeFileAtomic(layout.manifest, serializeManifest(manifest), layout.tmp);
  });
  return removed;
}

/**
 * Checks, before anything is paid for, that a result could be recorded afterwards: the manifest
 * parses and its lock can be taken (garbage in `locks/` is cleared now, not after paying), and the
 * raw and temp folders can be made.
 */
export async function checkStoreWritable(layout: StoreLayout): Promise<void> {
  await withFileLock(join(layout.locks, 'manifest'), () => readManifest(layout));
  await mkdir(layout.raw, { recursive: true });
  await mkdir(layout.tmp, { recursive: true });
}

/** Where a raw file lives in the store: `raw/<sha256>.<ext>`. */
export function rawFilePath(layout: StoreLayout, file: Pick<FileRecord, 'sha256' | 'ext'>): string {
  return join(layout.raw, `${file.sha256}.${file.ext ?? 'glb'}`);
}

/** The content hash a raw file's name carries (`raw/<sha256>.<ext>`, and its sidecar `raw/<sha256>.json`). */
export function rawFileSha256(name: string): string {
  return name.replace(/\.(glb|png|jpg|json)$/, '');
}

/** Whether a name in `raw/` is a sidecar (`<sha256>.json`) rather than a model or image. */
export function isRawSidecar(name: string): boolean {
  return name.endsWith('.json');
}

/**
 * Writes the sidecar of an entry's raw file (`raw/<sha256>.json`): its spec key and manifest entry,
 * so that `repair` can rebuild the manifest from the raw files without paying again.
 */
export async function writeRawSidecar(layout: StoreLayout, key: string, entry: ManifestEntry): Promise<void> {
  const sidecar: RawSidecar = { version: 1, key, ...entry };
  await writeFileAtomic(join(layout.raw, `${resultFileOf(entry).sha256}.json`), `${JSON.stringify(sidecar, null, 2)}\n`, layout.tmp);
}

/** Why a stored file cannot be used, for the person who has to bring it back. */
export interface FileDamage {
  path: string;
  /** `missing`, `truncated: N of M bytes`, `this is a Git LFS pointer: run git lfs pull`… */
  cause: string;
}

/** A raw file the manifest names is missing or not the bytes it records. */
export class RawFileDamagedError extends MeshyPluginError {
  readonly damage: FileDamage;
  constructor(damage: FileDamage) {
    super('MESHY_RAW_DAMAGED', `The cached file ${damage.path} cannot be used: ${damage.cause}.`, { context: { ...damage } });
    this.damage = damage;
  }
}

const LFS_POINTER = 'version https://git-lfs.github.com/spec/v1';
const LFS_CAUSE = 'this is a Git LFS pointer: run git lfs pull';

/**
 * Checks a raw file the cheap way, as a cache hit does: one stat (its first bytes too when the size
 * is wrong, to tell a Git LFS pointer from a truncated file). The full hash is checked when it is read.
 */
export async function inspectRawFile(layout: StoreLayout, file: FileRecord): Promise<FileDamage | undefined> {
  const path = rawFilePath(layout, file);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) return { path, cause: 'not a file' };
    size = info.size;
  } catch (error) {
    return { path, cause: missingCause(error) };
  }
  if (size === file.bytes) return undefined;
  return { path, cause: wrongSizeCause(await readHead(path, LFS_POINTER.length), size, file.bytes) };
}

function missingCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'missing' : `unreadable (${(error as Error).message})`;
}

function wrongSizeCause(head: Uint8Array, size: number, expected: number): string {
  if (Buffer.from(head.subarray(0, LFS_POINTER.length)).toString('latin1') === LFS_POINTER) return LFS_CAUSE;
  return size < expected ? `truncated: ${size} of ${expected} bytes` : `${size} bytes where ${expected} were stored (modified?)`;
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return new Uint8Array();
  try {
    const head = new Uint8Array(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Stores an image as Meshy returned it. Rejects anything that is not a complete PNG or JPEG. */
export async function putRawImage(layout: StoreLayout, bytes: Uint8Array): Promise<FileRecord> {
  return putRawFile(layout, bytes, { ext: assertImage(bytes) });
}

/** Stores a model as Meshy returned it. Rejects anything that is not a complete GLB. */
export async function putRawModel(layout: StoreLayout, bytes: Uint8Array): Promise<FileRecord> {
  assertGlb(bytes);
  return putRawFile(layout, bytes, {});
}

async function putRawFile(layout: StoreLayout, bytes: Uint8Array, type: Pick<FileRecord, 'ext'>): Promise<FileRecord> {
  const file = { sha256: sha256(bytes), bytes: bytes.byteLength, ...type };
  const path = rawFilePath(layout, file);
  if (await inspectRawFile(layout, file)) await writeFileAtomic(path, bytes, layout.tmp);
  return file;
}

/**
 * Reads a raw model or image and checks it is the one the manifest names (a bad merge, a hand edit or
 * a Git LFS pointer shows here): a RawFileDamagedError otherwise.
 */
export async function readRawFile(layout: StoreLayout, file: FileRecord): Promise<Uint8Array> {
  const path = rawFilePath(layout, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new RawFileDamagedError({ path, cause: missingCause(error) });
  }
  if (bytes.byteLength !== file.bytes) throw new RawFileDamagedError({ path, cause: wrongSizeCause(bytes, bytes.byteLength, file.bytes) });
  if (sha256(bytes) !== file.sha256) {
    throw new RawFileDamagedError({ path, cause: `its content does not match the sha256 its manifest entry records (${file.sha256}): modified or corrupted` });
  }
  return bytes;
}

export interface OptimizedFile<Meta> {
  path: string;
  /** The meta file beside it (what `meta` was read from). */
  metaPath: string;
  meta: Meta;
}

export function optimizedPaths(layout: StoreLayout, key: string): { glb: string; meta: string } {
  return { glb: join(layout.optimized, `${key}.glb`), meta: join(layout.optimized, `${key}.json`) };
}

/** What the store adds to an optimized file's meta: the GLB's size and hash, checked on every read. */
interface Integrity {
  sha256: string;
  bytes: number;
  /**
   * The GLB's stat (inode, size, modification and change times) when its hash was last checked on
   * this machine. While it is unchanged the file is not hashed again, as git trusts its index: any
   * write, in place or by rename, changes the change time. Another machine's stamp never matches.
   */
  verified?: string;
}

/**
 * An optimized file, checked against the size and sha256 its meta records (a meta written before
 * they were recorded: the GLB's header and length, and then they are recorded). The meta file is
 * written last, so without it there is nothing. A damaged GLB is reported to `onDamaged` and is not
 * returned, so that it is rebuilt rather than shipped.
 */
export async function readOptimized<Meta>(
  layout: StoreLayout,
  key: string,
  onDamaged?: (damage: FileDamage) => void,
): Promise<OptimizedFile<Meta> | undefined> {
  const paths = optimizedPaths(layout, key);
  let text: string;
  try {
    text = await readFile(paths.meta, 'utf8');
  } catch {
    return undefined;
  }
  const stored = parseObject(text);
  if (!stored) {
    onDamaged?.({ path: paths.meta, cause: 'its meta file does not parse' });
    return undefined;
  }
  const { integrity, ...meta } = stored as { integrity?: Integrity };
  const stamp = fileStamp(paths.glb);
  if (integrity && stamp !== undefined && (integrity.verified === stamp || verifiedFiles.get(paths.glb) === `${stamp} ${integrity.sha256}`)) {
    return { path: paths.glb, metaPath: paths.meta, meta: meta as Meta };
  }
  let bytes: Uint8Array;
  try {
    // Read to be checked, not kept: no copy of the buffer (a copy of a large GLB costs more than its hash).
    bytes = await readFile(paths.glb);
  } catch (error) {
    onDamaged?.({ path: paths.glb, cause: missingCause(error) });
    return undefined;
  }
  const cause = integrity ? integrityCause(bytes, integrity) : glbCause(bytes);
  if (cause) {
    onDamaged?.({ path: paths.glb, cause });
    return undefined;
  }
  // Recorded now, so the next read checks the hash. A read-only store (CI) checks the header again instead.
  if (!integrity) await writeOptimizedMeta(paths.meta, meta, integrityOf(bytes), layout).catch(() => undefined);
  else if (stamp !== undefined) {
    verifiedFiles.set(paths.glb, `${stamp} ${integrity.sha256}`);
    // Later builds skip the hash while the file's stat stays the same (a read-only store: this process only).
    await writeOptimizedMeta(paths.meta, meta, { ...integrity, verified: stamp }, layout).catch(() => undefined);
  }
  return { path: paths.glb, metaPath: paths.meta, meta: meta as Meta };
}

/**
 * Optimized files this process has hashed, with the stat they had then: a build whose imports share
 * a file checks it once, even where the meta cannot be written; any change on disk checks it again.
 */
const verifiedFiles = new Map<string, string>();

function integrityOf(bytes: Uint8Array): Integrity {
  return { sha256: sha256(bytes), bytes: bytes.byteLength };
}

function integrityCause(bytes: Uint8Array, integrity: Integrity): string | undefined {
  if (bytes.byteLength !== integrity.bytes) {
    return bytes.byteLength < integrity.bytes
      ? `truncated: ${bytes.byteLength} of ${integrity.bytes} bytes`
      : `${bytes.byteLength} bytes where ${integrity.bytes} were written`;
  }
  return sha256(bytes) === integrity.sha256 ? undefined : 'its content does not match the sha256 recorded when it was written';
}

function glbCause(bytes: Uint8Array): string | undefined {
  try {
    assertGlb(bytes);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `rawSha256` field in `meta` names the raw file it was made from: once that file goes, `gc`
 * collects this one. The GLB's size and hash are recorded beside `meta`, for `readOptimized`.
 */
export async function writeOptimized<Meta>(layout: StoreLayout, key: string, bytes: Uint8Array, meta: Meta): Promise<OptimizedFile<Meta>> {
  const paths = optimizedPaths(layout, key);
  await writeFileAtomic(paths.glb, bytes, layout.tmp);
  const verified = fileStamp(paths.glb);
  await writeOptimizedMeta(paths.meta, meta, { ...integrityOf(bytes), ...(verified ? { verified } : {}) }, layout);
  return { path: paths.glb, metaPath: paths.meta, meta };
}

function writeOptimizedMeta(path: string, meta: unknown, integrity: Integrity, layout: StoreLayout): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify({ ...(meta as object), integrity }, null, 2)}\n`, layout.tmp);
}

/**
 * Writes a file that ships as it is (an image, a placeholder) beside the optimized models, named by
 * its content. Returns its path.
 */
export async function writeContentCopy(layout: StoreLayout, bytes: Uint8Array, ext: string): Promise<string> {
  const path = join(layout.optimized, `${sha256(bytes)}.${ext}`);
  await writeFileAtomic(path, bytes, layout.tmp);
  return path;
}

/**
 * The copy of a raw image in `optimized/`, if it is there and is the bytes its name says: what an
 * image ships when its raw file is damaged.
 */
export async function readContentCopy(layout: StoreLayout, file: FileRecord): Promise<{ path: string; bytes: Uint8Array } | undefined> {
  const path = join(layout.optimized, `${file.sha256}.${file.ext ?? 'png'}`);
  const bytes = await readFile(path).catch(() => undefined);
  return bytes && sha256(bytes) === file.sha256 ? { path, bytes: new Uint8Array(bytes) } : undefined;
}

/** The raw file an image copy in `optimized/` was made from (its hash), if the name is one. */
export function imageCopySha256(name: string): string | undefined {
  return /^([0-9a-f]{64})\.(png|jpg)$/.exec(name)?.[1];
}

/**
 * What the store's `.gitignore` keeps out of the user's git, as the README's "Caching, and what to
 * commit" says (a test holds them to it): what one machine rebuilds (optimized files) or uses alone
 * (its task journal, locks, partial writes). The rest, what credits paid for, is committed.
 */
const STORE_GITIGNORE =
  '# written by vite-plugin-meshy: commit the rest of this folder (README, "Caching, and what to commit")\noptimized/\njournal/\nlocks/\ntmp/\n';
/**
 * With a remote store (docs/remote-store.md) the models and images themselves live in the bucket: git
 * keeps the manifest and the sidecars (small: what was paid for), not the bytes.
 */
const REMOTE_STORE_GITIGNORE =
  '# written by vite-plugin-meshy for a project with a remote store: commit the rest of this folder (docs/remote-store.md)\n' +
  'optimized/\njournal/\nlocks/\ntmp/\nraw/*.glb\nraw/*.png\nraw/*.jpg\n';
/** What earlier versions wrote: replaced. A file anyone edited is left as it is. */
const EARLIER_STORE_GITIGNORES = ['# written by vite-plugin-meshy: commit the rest of this folder\nlocks/\ntmp/\n'];

export async function ensureStoreGitignore(layout: StoreLayout, { remote = false }: { remote?: boolean } = {}): Promise<void> {
  const path = join(layout.dir, '.gitignore');
  const current = await readFile(path, 'utf8').catch(() => undefined);
  const wanted = remote ? REMOTE_STORE_GITIGNORE : STORE_GITIGNORE;
  const ours = [...EARLIER_STORE_GITIGNORES, STORE_GITIGNORE, REMOTE_STORE_GITIGNORE];
  if (current === undefined || (current !== wanted && ours.includes(current))) await writeFileAtomic(path, wanted, layout.tmp);
}
