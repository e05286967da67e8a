import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileStamp } from '../cache/stamp.js';
import type { ImageMeta, ModelMeta } from '../generate/meta.js';

/**
 * The warm record: what the last build (or dev session) of this project served from the store, so
 * that the next one, with the same plugin, options, environment and store, serves it again without
 * loading the project at all: no options or import parsing (zod), no manifest validation, no store
 * lookups, none of the generation code. Each model it lists is used only while every store file it
 * was read from (the served file, its meta, the raw file) and the manifest have the exact stat they
 * had when it was recorded (inode, size, mtime, ctime: any write changes it), and only for an import id
 * the record lists. Anything else — a new or edited import, another option, a touched file — takes the
 * full path, which checks and repairs as always. It lives in Vite's cacheDir (per machine, never
 * committed), and a missing or unreadable record only costs the full path once.
 */
export interface WarmRecord {
  version: typeof RECORD_VERSION;
  /** Of everything the parse and the store lookups depend on (see `warmFingerprint`). */
  fingerprint: string;
  /** The manifest's stamp when the models below were read. */
  manifest: string;
  /** The config file (`meshy.config.ts`) and its local imports, with their stamps: an edit re-reads them. */
  configFiles: [path: string, stamp: string][];
  /** What the Vite glue needs before any import (the project's settings, as resolved). */
  glue: WarmGlue;
  /** Import id as written (`meshy:prompt?text=…`) → its canonical resolved id: each parsed without error. Only ids without file inputs. */
  ids: Record<string, string>;
  /** Resolved id → the model it was served. */
  models: Record<string, WarmModel>;
}

export interface WarmGlue {
  overlay: boolean;
  usesEmulator: boolean;
  emulatorByDefault: boolean;
  /** The store's folder (its manifest; its optimized folder, which the dev middleware serves). */
  storeDir: string;
}

export interface WarmModel {
  /** The asset's name in a build (`a-wooden-crate.glb`): equal names emit one file. */
  name: string;
  /** Its optimized variant (model key and optimize overrides): the dev server serves only variants of the project's imports. */
  variant: string;
  key: string;
  /** The file served. */
  path: string;
  meta: ModelMeta | ImageMeta;
  /** Every store file the result was read from, with its stamp. */
  files: [path: string, stamp: string][];
  /** The manifest's stamp when it was served. */
  manifest: string;
}

const RECORD_VERSION = 1;

/**
 * The fingerprint a record must carry to be used: the plugin's build, the plugin options, the `MESHY_*`
 * environment (the API key only inside this hash), the Vite command, mode and root, and the config file
 * looked for. Undefined when the options hold something a hash cannot capture (a function).
 */
export function warmFingerprint(inputs: Record<string, unknown>): string | undefined {
  let opaque = false;
  const json = JSON.stringify(inputs, (_key, value: unknown) => {
    if (typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') opaque = true;
    return value === undefined ? null : value;
  });
  return opaque ? undefined : createHash('sha256').update(json).digest('hex');
}

/** The record, if it is readable, of this version and made under this fingerprint. */
export async function readWarmRecord(file: string, fingerprint: string): Promise<WarmRecord | undefined> {
  let record: unknown;
  try {
    record = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  // Not a boundary to validate field by field: every model in it is re-checked against the store
  // files' stamps before use, and anything off sends the import down the full path.
  if (!isObject(record) || record.version !== RECORD_VERSION || record.fingerprint !== fingerprint) return undefined;
  const { ids, models, glue, configFiles } = record;
  if (!isObject(ids) || !isObject(models) || !isObject(glue) || !Array.isArray(configFiles) || typeof record.manifest !== 'string') return undefined;
  return record as unknown as WarmRecord;
}

/** Whether the config files a record was made with are as they were. */
export function configFilesUnchanged(record: WarmRecord): boolean {
  return record.configFiles.every(([path, stamp]) => fileStamp(path) === stamp);
}

/** Whether a recorded model's store files are as they were when it was served. */
export function modelUnchanged(model: WarmModel): boolean {
  if (!Array.isArray(model.files) || model.files.length === 0 || typeof model.path !== 'string') return false;
  return model.files.every(([path, stamp]) => stamp !== undefined && fileStamp(path) === stamp);
}

/** Writes the record whole (a temp file renamed into place): a reader sees the old record or the new one. */
let writes = 0;

export async function writeWarmRecord(file: string, record: WarmRecord): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${++writes}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The stamps of the files a model was read from; undefined when one is gone. */
function stampsOf(paths: readonly string[]): [string, string][] | undefined {
  const stamps = paths.map(fileStamp);
  if (stamps.some((stamp) => stamp === undefined)) return undefined;
  return paths.map((path, i) => [path, stamps[i]!]);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One build's or dev session's use of the record: what it may serve from it, and what it learned. */
export interface WarmSession {
  /** The resolved id the record gives an import id. */
  resolvedIdOf(id: string): string | undefined;
  /** The recorded model of a resolved id, if it and the manifest are as they were. */
  model(resolvedId: string): WarmModel | undefined;
  /** Whether the record lists every one of these import ids (each validated when it was recorded). */
  covers(ids: Iterable<string>): boolean;
  /** What the full path resolved an import id to (only ids that do not depend on the importer or on files). */
  rememberId(id: string, resolvedId: string): void;
  /** What the full path served for a resolved id, read from these store files. */
  rememberModel(resolvedId: string, model: Omit<WarmModel, 'files' | 'manifest'>, storeFiles: readonly string[]): Promise<void>;
  /** A new build: the manifest is looked at again. */
  startBuild(): void;
  /** Writes the record if this session learned something; a build's record keeps only what it served. */
  save(glue: WarmGlue, configFiles: readonly string[]): Promise<void>;
}

export function openWarmSession({
  file,
  fingerprint,
  record,
  manifestPath,
  isBuild,
}: {
  file: string;
  fingerprint: string;
  record: WarmRecord | undefined;
  manifestPath: string;
  isBuild: boolean;
}): WarmSession {
  const ids = new Map<string, string>();
  const models = new Map<string, WarmModel>();
  /** A build looks at the manifest once; a dev server, which lives through generations, every time. */
  let manifestStamp: string | undefined;
  /** Whether this session learned anything the record does not say (a rebuild that served everything from it writes nothing). */
  let changed = !record;
  /** Saves run one after the other: each writes what the one before it learned, and more. */
  let saving: Promise<void> = Promise.resolve();
  /** A store without a manifest (a project that has generated nothing yet) records its valid ids all the same. */
  const manifestNow = () => fileStamp(manifestPath) ?? 'none';
  const currentManifest = () => (isBuild ? (manifestStamp ??= manifestNow()) : manifestNow());

  return {
    resolvedIdOf(id) {
      const known = ids.get(id) ?? (record && Object.hasOwn(record.ids, id) ? record.ids[id] : undefined);
      if (known) ids.set(id, known);
      return known;
    },
    model(resolvedId) {
      const model = record && Object.hasOwn(record.models, resolvedId) ? record.models[resolvedId] : undefined;
      if (!model || currentManifest() !== record!.manifest || !modelUnchanged(model)) {
        if (model) changed = true; // dropped from the next record
        return undefined;
      }
      models.set(resolvedId, model);
      return model;
    },
    covers(list) {
      for (const id of list) if (!ids.has(id) && !(record && Object.hasOwn(record.ids, id))) return false;
      return true;
    },
    rememberId(id, resolvedId) {
      if (!record || record.ids[id] !== resolvedId) changed = true;
      ids.set(id, resolvedId);
    },
    async rememberModel(resolvedId, model, storeFiles) {
      const files = stampsOf(storeFiles);
      const manifest = fileStamp(manifestPath);
      if (files && manifest) models.set(resolvedId, { ...model, files, manifest });
      changed = true;
    },
    startBuild() {
      manifestStamp = undefined;
    },
    save(glue, configFiles) {
      saving = saving.catch(() => undefined).then(() => saveNow(glue, configFiles));
      return saving;
    },
  };

  async function saveNow(glue: WarmGlue, configFiles: readonly string[]): Promise<void> {
    const manifest = manifestNow();
    const configStamps = stampsOf(configFiles);
    if (!configStamps) return;
    const servedAll = (map: Map<string, unknown>, recorded: Record<string, unknown>) => !isBuild || map.size === Object.keys(recorded).length;
    if (!changed && record && manifest === record.manifest && servedAll(ids, record.ids) && servedAll(models, record.models)) return;
    // A dev session may not have loaded every import: it keeps the record's other models too.
    const known = new Map(isBuild || record?.manifest !== manifest ? [] : Object.entries(record.models));
    for (const [resolvedId, model] of models) if (model.manifest === manifest) known.set(resolvedId, model);
    const allIds = new Map(isBuild || !record ? [] : Object.entries(record.ids));
    for (const [id, resolvedId] of ids) allIds.set(id, resolvedId);
    const next: WarmRecord = {
      version: RECORD_VERSION,
      fingerprint,
      manifest,
      configFiles: configStamps,
      glue,
      // Ids without a model too: they were validated, and their modules take the full path.
      ids: Object.fromEntries(allIds),
      models: Object.fromEntries(known),
    };
    if (record && JSON.stringify(record) === JSON.stringify(next)) return;
    await writeWarmRecord(file, next);
    record = next;
    changed = false;
  }
}
