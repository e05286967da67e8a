import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MeshyPluginError } from '../errors.js';
import { sha256 } from '../hash.js';
import { writeFileAtomic } from './atomic.js';
import { assertGlb, assertImage } from './glb.js';
import { withFileLock } from './lock.js';
import { EMPTY_MANIFEST, type FileRecord, type Manifest, type ManifestEntry, manifestSchema, serializeManifest } from './manifest.js';

/**
 * The on-disk store, two levels deep:
 *   manifest.json            which Meshy tasks and bytes each spec key came from (commit it)
 *   raw/<sha256>.glb|png|jpg what Meshy returned, content-addressed (commit it: it cost credits)
 *   optimized/<key>.glb|json the optimizer's output and its meta, keyed by raw hash + options + versions
 *   optimized/<sha256>.<ext> files that ship as they are (images, placeholders), named by their content
 *   journal/<key>.json       Meshy tasks asked for and not yet in the manifest (crash resume)
 *   locks/                   cross-process locks, one per spec key being generated
 *   tmp/                     partial writes, renamed into place when complete
 */
export interface StoreLayout {
  dir: string;
  manifest: string;
  raw: string;
  optimized: string;
  journal: string;
  locks: string;
  tmp: string;
}

export function storeLayout(dir: string): StoreLayout {
  return {
    dir,
    manifest: join(dir, 'manifest.json'),
    raw: join(dir, 'raw'),
    optimized: join(dir, 'optimized'),
    journal: join(dir, 'journal'),
    locks: join(dir, 'locks'),
    tmp: join(dir, 'tmp'),
  };
}

class CacheError extends MeshyPluginError {}

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
    throw new CacheError('MESHY_CACHE_CORRUPT', `The Meshy cache manifest ${layout.manifest} is not valid JSON (a merge conflict?). Fix or delete it.`, {
      cause,
      context: { path: layout.manifest },
    });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new CacheError('MESHY_CACHE_CORRUPT', `The Meshy cache manifest ${layout.manifest} has an unexpected shape: ${parsed.error.issues[0]?.message}`, {
      cause: parsed.error,
      context: { path: layout.manifest },
    });
  }
  return parsed.data;
}

export async function readManifestEntry(layout: StoreLayout, key: string): Promise<ManifestEntry | undefined> {
  return (await readManifest(layout)).entries[key];
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

function rawFilePath(layout: StoreLayout, file: Pick<FileRecord, 'sha256' | 'ext'>): string {
  return join(layout.raw, `${file.sha256}.${file.ext ?? 'glb'}`);
}

/** The content hash a raw file's name carries (`raw/<sha256>.<ext>`). */
export function rawFileSha256(name: string): string {
  return name.replace(/\.(glb|png|jpg)$/, '');
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
  if (!(await hasFile(path, file.bytes))) await writeFileAtomic(path, bytes, layout.tmp);
  return file;
}

/** Reads a raw model or image and checks it is the one the manifest names (a bad merge or a hand edit shows here). */
export async function readRawFile(layout: StoreLayout, file: FileRecord): Promise<Uint8Array> {
  const path = rawFilePath(layout, file);
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.byteLength !== file.bytes || sha256(bytes) !== file.sha256) {
    throw new CacheError('MESHY_CACHE_CORRUPT', `The cached file ${path} does not match its manifest entry (expected sha256 ${file.sha256}).`, {
      context: { path },
    });
  }
  return bytes;
}

export async function hasRawFile(layout: StoreLayout, file: FileRecord): Promise<boolean> {
  return hasFile(rawFilePath(layout, file), file.bytes);
}

export interface OptimizedFile<Meta> {
  path: string;
  meta: Meta;
}

export function optimizedPaths(layout: StoreLayout, key: string): { glb: string; meta: string } {
  return { glb: join(layout.optimized, `${key}.glb`), meta: join(layout.optimized, `${key}.json`) };
}

/** The meta file is written last, so its presence means the GLB beside it is complete. */
export async function readOptimized<Meta>(layout: StoreLayout, key: string): Promise<OptimizedFile<Meta> | undefined> {
  const paths = optimizedPaths(layout, key);
  let meta: Meta;
  try {
    meta = JSON.parse(await readFile(paths.meta, 'utf8')) as Meta;
  } catch {
    return undefined;
  }
  return (await hasFile(paths.glb)) ? { path: paths.glb, meta } : undefined;
}

/** A `rawSha256` field in `meta` names the raw file it was made from: once that file goes, `gc` collects this one. */
export async function writeOptimized<Meta>(layout: StoreLayout, key: string, bytes: Uint8Array, meta: Meta): Promise<OptimizedFile<Meta>> {
  const paths = optimizedPaths(layout, key);
  await writeFileAtomic(paths.glb, bytes, layout.tmp);
  await writeFileAtomic(paths.meta, `${JSON.stringify(meta, null, 2)}\n`, layout.tmp);
  return { path: paths.glb, meta };
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

/** The raw file an image copy in `optimized/` was made from (its hash), if the name is one. */
export function imageCopySha256(name: string): string | undefined {
  return /^([0-9a-f]{64})\.(png|jpg)$/.exec(name)?.[1];
}

async function hasFile(path: string, size?: number): Promise<boolean> {
  try {
    const info = await stat(path);
    return info.isFile() && (size === undefined || info.size === size);
  } catch {
    return false;
  }
}

/** Keeps what is private to one machine (locks, partial writes) out of the user's git. */
export async function ensureStoreGitignore(layout: StoreLayout): Promise<void> {
  const path = join(layout.dir, '.gitignore');
  if (!(await hasFile(path))) await writeFileAtomic(path, '# written by vite-plugin-meshy: commit the rest of this folder\nlocks/\ntmp/\n', layout.tmp);
}
