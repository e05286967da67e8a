import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import {
  type FileRecord,
  inspectRawFile,
  type ManifestEntry,
  optimizedPaths,
  rawFilePath,
  rawSidecarSchema,
  recordManifestEntry,
  resultFileOf,
  type StoreLayout,
  writeFileAtomic,
  writeRawSidecar,
} from '../cache/index.js';
import type { ObjectStore, TransferProgress } from './objects.js';

/**
 * Where things are in the bucket, under its prefix:
 *   raw/<sha256>.<ext>          what Meshy returned, content-addressed (as in the local store)
 *   entries/<spec key>.json     one manifest entry per spec key (the sidecar's shape): nothing shared to contend on
 *   optimized/<key>.glb|json    optimized files and their meta (with the GLB's size and sha256), keyed as locally
 *   claims/<spec key>.json      who is generating a key, until when, and its Meshy task ids
 */
export const remoteKeys = {
  raw: (file: Pick<FileRecord, 'sha256' | 'ext'>) => `raw/${file.sha256}.${file.ext ?? 'glb'}`,
  entry: (key: string) => `entries/${key}.json`,
  optimizedGlb: (key: string) => `optimized/${key}.glb`,
  optimizedMeta: (key: string) => `optimized/${key}.json`,
  claim: (key: string) => `claims/${key}.json`,
};

/** The manifest entry the remote store has for a spec key, if any (one that does not parse is reported and skipped). */
export async function readRemoteEntry(objects: ObjectStore, key: string, warn: (line: string) => void): Promise<ManifestEntry | undefined> {
  const found = await objects.read(remoteKeys.entry(key));
  if (!found) return undefined;
  const parsed = rawSidecarSchema.safeParse(parseJson(found.text));
  if (!parsed.success || parsed.data.key !== key) {
    warn(`the remote store ${objects.url} has a damaged entry ${remoteKeys.entry(key)}; it was ignored`);
    return undefined;
  }
  const { version: _version, key: _key, ...entry } = parsed.data;
  return entry;
}

/** Brings a raw file into the local store, checked against its recorded size and sha256. False when the remote lacks it. */
export async function pullRawFile(objects: ObjectStore, layout: StoreLayout, file: FileRecord, progress?: TransferProgress): Promise<boolean> {
  if (!(await inspectRawFile(layout, file))) return true;
  const path = await objects.download(remoteKeys.raw(file), layout.tmp, file, progress);
  if (!path) return false;
  await mkdir(layout.raw, { recursive: true });
  await rename(path, rawFilePath(layout, file)).catch(async (error) => {
    await rm(path, { force: true });
    throw error;
  });
  return true;
}

/**
 * Brings a model the remote store has into the local store: its raw file first, then its sidecar
 * and manifest entry. The entry is recorded even when the raw file cannot be had (missing or
 * corrupted in the bucket, `onRawFailure` says why): it was paid for, and must never be paid again.
 */
export async function pullModel(
  objects: ObjectStore,
  layout: StoreLayout,
  key: string,
  { warn, onRawFailure, progress }: { warn: (line: string) => void; onRawFailure: (error: unknown) => void; progress?: TransferProgress },
): Promise<ManifestEntry | undefined> {
  const entry = await readRemoteEntry(objects, key, warn);
  if (!entry) return undefined;
  try {
    if (!(await pullRawFile(objects, layout, resultFileOf(entry), progress))) onRawFailure(new Error(`${remoteKeys.raw(resultFileOf(entry))} is missing`));
  } catch (error) {
    onRawFailure(error);
  }
  await writeRawSidecar(layout, key, entry);
  await recordManifestEntry(layout, key, entry);
  return entry;
}

/** Uploads a model: its raw file (unless the bucket has it: content-addressed), then its entry, which makes it visible. */
export async function pushModel(objects: ObjectStore, layout: StoreLayout, key: string, entry: ManifestEntry, progress?: TransferProgress): Promise<void> {
  const file = resultFileOf(entry);
  const rawKey = remoteKeys.raw(file);
  if ((await objects.stat(rawKey))?.bytes !== file.bytes) await objects.upload(rawKey, rawFilePath(layout, file), file.bytes, progress);
  await objects.write(remoteKeys.entry(key), `${JSON.stringify({ version: 1, key, ...entry }, null, 2)}\n`);
}

/** Brings an optimized file and its meta into the local store, the GLB checked against the meta's sha256. False when the remote lacks them. */
export async function pullOptimized(objects: ObjectStore, layout: StoreLayout, optimizedKey: string, progress?: TransferProgress): Promise<boolean> {
  const meta = await objects.read(remoteKeys.optimizedMeta(optimizedKey));
  const integrity = meta && integrityOf(meta.text);
  if (!integrity) return false;
  const path = await objects.download(remoteKeys.optimizedGlb(optimizedKey), layout.tmp, integrity, progress);
  if (!path) return false;
  const paths = optimizedPaths(layout, optimizedKey);
  await mkdir(layout.optimized, { recursive: true });
  await rename(path, paths.glb).catch(async (error) => {
    await rm(path, { force: true });
    throw error;
  });
  // The meta last: without it, the local store has nothing.
  await writeFileAtomic(paths.meta, meta.text, layout.tmp);
  return true;
}

/** Uploads an optimized file (the GLB, then its meta), unless the bucket has it. */
export async function pushOptimized(objects: ObjectStore, layout: StoreLayout, optimizedKey: string, progress?: TransferProgress): Promise<void> {
  const paths = optimizedPaths(layout, optimizedKey);
  const text = await readFile(paths.meta, 'utf8');
  const integrity = integrityOf(text);
  if (!integrity) return;
  const remoteMeta = await objects.read(remoteKeys.optimizedMeta(optimizedKey));
  if (remoteMeta && integrityOf(remoteMeta.text)?.sha256 === integrity.sha256) return;
  const { size } = await stat(paths.glb);
  if (size !== integrity.bytes) return;
  await objects.upload(remoteKeys.optimizedGlb(optimizedKey), paths.glb, size, progress);
  await objects.write(remoteKeys.optimizedMeta(optimizedKey), text);
}

function integrityOf(text: string): { sha256: string; bytes: number } | undefined {
  try {
    const { integrity } = JSON.parse(text) as { integrity?: { sha256?: unknown; bytes?: unknown } };
    if (typeof integrity?.sha256 === 'string' && /^[0-9a-f]{64}$/.test(integrity.sha256) && typeof integrity.bytes === 'number') {
      return { sha256: integrity.sha256, bytes: integrity.bytes };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/** An object's JSON, or undefined when it is none (damage is then reported by its schema). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
