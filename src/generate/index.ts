import { readFile, rm } from 'node:fs/promises';
import { type ManifestEntry, paidEntry, rawFilePath, resultFileOf, type StoreLayout } from '../cache/index.js';
import { canonicalJson } from '../hash.js';
import { describeSpec, isImageSpec, type MeshySpec, retirementOf, specKey } from '../imports/index.js';
import type { MeshyClient } from '../meshy/client.js';
import { textTo3d } from '../meshy/resources.js';
import type { OptimizeOptions } from '../optimize/index.js';
import type { RemoteStore } from '../remote/index.js';
import { type Admission, type AdmissionOptions, createAdmission } from './admission.js';
import { createDedupe } from './dedupe.js';
import { readPaidImage, readPaidRaw, shippedWithoutRaw } from './integrity.js';
import { createLimiter } from './limit.js';
import type { ModelResult } from './meta.js';
import type { GenerationMode } from './modes.js';
import { createOptimizedLevel, type RawSource } from './optimized.js';
import { pendingResult } from './placeholder.js';
import { type GeneratedSource, generatedInputsOf } from './plan.js';
import { createProgressPrinter } from './progress.js';
import { modelOf, obtainRawModel, type PreviewTask, type RawModel } from './raw.js';
import { type AssetOf, formatBytes, imageMeta, modelResult, provenanceOf } from './result.js';
import { creditsText, type SpendCheck } from './spend.js';

export type { ImageMeta, ModelMeta, ModelResult } from './meta.js';
export type { GenerationMode } from './modes.js';

export { generatedInputsOf, savedCredits } from './plan.js';
export { estimateCredits } from './raw.js';
export { formatBytes } from './result.js';
export { createSpendCheck, creditsText, savingText } from './spend.js';

export interface ModelSourceOptions {
  layout: StoreLayout;
  /** Keeps results of different backends apart (the real API, its test mode, an emulator): generated models are written here. */
  namespace: string;
  /**
   * Where stored models are looked for, in order (default: `namespace` alone). Any namespace but
   * `namespace` holds a real API's models: an emulator reading them serves them as they are, labelled Meshy's.
   */
  readNamespaces?: readonly string[];
  mode: GenerationMode;
  /** Meshy tasks running at once; Meshy Pro's queue holds 10. */
  concurrency: number;
  optimize: OptimizeOptions;
  /** Called on cache misses only, so a cache hit never opens a connection; may return a shared client. */
  connect: () => Promise<MeshyClient>;
  log: (line: string) => void;
  /** Where the progress lines of Meshy tasks go; default `log`. A display that draws progress itself (a terminal bar) passes a no-op. */
  logProgress?: (line: string) => void;
  /** Warnings a person must see (offline placeholders, damaged store files worked around); default: `log`. */
  warn?: (line: string) => void;
  /** Most credits this build may spend (estimated before spending); undefined = no cap. */
  maxCredits?: number;
  /** Generate nothing: misses get a placeholder, and `dryRunReport()` says what they would cost. */
  dryRun?: boolean;
  /** Create a new task for a spec whose earlier task FAILED (it costs credits again). */
  retryFailed?: boolean;
  /** The backend is the emulator: its credits are labelled as emulated. */
  emulated?: boolean;
  /** Why no model can be generated (see AdmissionOptions.unavailable). */
  unavailable?: AdmissionOptions['unavailable'];
  /** The cost line before the first paid task, and the question at a terminal. */
  spend?: SpendCheck;
  /** A generation lock not refreshed for this long belongs to a dead process and is taken over. */
  lockStaleMs?: number;
  /** Also download and optimize the untextured preview of textured models, as an early result (dev). */
  previews?: boolean;
  /** Structured news of generations, for dev servers: progress, early results, completion, failure. */
  onEvent?: (event: GenerationEvent) => void;
  /** The team's remote store, opened on the first local miss (absent: none configured; undefined: unreachable). */
  remote?: () => Promise<RemoteStore | undefined>;
}

/** What a generation reports while it runs. `key` is the spec key; `label` the short prompt. */
export type GenerationEvent =
  | { type: 'progress'; key: string; label: string; stage: string; taskId: string; status: string; progress: number }
  | { type: 'preview'; key: string; label: string; result: ModelResult }
  | { type: 'done'; key: string; label: string; result: ModelResult }
  | { type: 'error'; key: string; label: string; message: string };

export interface ModelSource {
  /** The model, from the store or generated (spending credits in mode "generate"). */
  get(spec: MeshySpec): Promise<ModelResult>;
  /** The model if it needs no Meshy call (stored; optimized now if need be), else undefined. */
  peek(spec: MeshySpec): Promise<ModelResult | undefined>;
  /** The store key of a spec. */
  keyOf(spec: MeshySpec): string;
  /** A new roll of a stored model (new Meshy tasks); the old one is replaced only once this one succeeded. */
  regenerate(spec: MeshySpec): Promise<ModelResult>;
  dryRunReport: Admission['dryRunReport'];
  /**
   * Why a spec cannot be had: each model it would have to generate (itself, or an input that is not
   * stored either) whose ai_model Meshy retired, naming the replacement. Empty when nothing stands in the way.
   */
  retiredMisses(spec: MeshySpec): Promise<string[]>;
}

/**
 * spec → (cache or Meshy) → optimize → store. Identical specs asked for at the same time share one
 * generation; every result lands in the store before it is returned.
 */
export function createModelSource(options: ModelSourceOptions): ModelSource {
  const warn = options.warn ?? options.log;
  const admission = createAdmission({
    mode: options.mode,
    dryRun: options.dryRun ?? false,
    cacheDir: options.layout.dir,
    warn,
    ...(options.maxCredits === undefined ? {} : { maxCredits: options.maxCredits }),
    ...(options.unavailable ? { unavailable: options.unavailable } : {}),
    ...(options.spend ? { spend: options.spend } : {}),
  });
  const warned = new Set<string>();
  /** A damaged raw file is reported once, however many builds (client, SSR) of this source ship the model. */
  function warnOnce(line: string): void {
    if (warned.has(line)) return;
    warned.add(line);
    warn(line);
  }
  const optimized = createOptimizedLevel(options.layout, options.optimize, warn, options.remote);
  const sharedResult = createDedupe<string, ModelResult>();
  // A project parses each import once, so a spec is met as the same object many times: its key is hashed once.
  const keys = new WeakMap<MeshySpec, string>();
  const keyOf = (spec: MeshySpec) => {
    let key = keys.get(spec);
    if (key === undefined) keys.set(spec, (key = specKey(spec, options.namespace)));
    return key;
  };
  // Paid for, even if its raw file is damaged: such a model is never generated again implicitly.
  const isStored = async (key: string) => (await paidEntry(options.layout, key)) !== undefined;
  const locate = createLocator(options, keyOf, isStored);
  const raw = createRawLevel(options, admission, locate, warnOnce, options.previews ? (spec, key, task) => void announcePreview(spec, key, task) : undefined);
  /** Stored here, or in the team's remote store (a build would take it from there). */
  async function isAvailable(key: string): Promise<boolean> {
    if (await isStored(key)) return true;
    const remote = await options.remote?.();
    return remote ? remote.hasModel(key).catch(() => false) : false;
  }
  const involvesRetired = (spec: MeshySpec): boolean => retirementOf(spec) !== undefined || generatedInputsOf(spec).some(involvesRetired);

  async function retiredMisses(spec: MeshySpec): Promise<string[]> {
    // Pure first: the store is looked at only for the rare spec that names a retired model.
    if (!involvesRetired(spec) || (await isAvailable(keyOf(spec)))) return [];
    const retired = retirementOf(spec);
    const own = retired ? [`${retired}; "${describeSpec(spec)}" is not in the Meshy cache (${options.layout.dir}), so it cannot be generated`] : [];
    const inputs = await Promise.all(generatedInputsOf(spec).map(retiredMisses));
    return [...own, ...inputs.flat()];
  }

  /** Downloads and optimizes a textured model's untextured preview: something real to look at early. */
  async function announcePreview(spec: MeshySpec, key: string, task: PreviewTask): Promise<void> {
    const label = describeSpec(spec);
    try {
      const client = await options.connect();
      // As the final model's: a stale link (403) is refreshed by reading the task once more.
      const { downloadTaskResult } = await import('../meshy/download.js');
      const download = await downloadTaskResult(client, textTo3d, task, { dir: options.layout.tmp, kind: 'glb' });
      const file = await optimized({ sha256: download.sha256, label, read: () => readFile(download.path) }, spec.optimize).finally(() =>
        rm(download.path, { force: true }),
      );
      const provenance = { model: modelOf(spec), taskIds: [task.id], credits: task.consumed_credits ?? 0, emulated: options.emulated ?? false };
      const asset: AssetOf = { spec, key, provenance };
      options.onEvent?.({ type: 'preview', key, label, result: modelResult(asset, file, 'preview', true) });
    } catch (error) {
      options.log(`"${label}": its preview could not be shown (${(error as Error).message}); waiting for the final model`);
    }
  }

  async function produce(spec: MeshySpec, { key, emulated }: Location, reroll = false): Promise<ModelResult> {
    // Inputs made by other imports come first, outside this spec's lock and queue slot; a stored
    // model needs none of them.
    const dependencies = generatedInputsOf(spec);
    if (dependencies.length > 0 && (reroll || !(await isStored(key)))) {
      for (const dependency of dependencies) await raw.shared(dependency, (await locate(dependency)).key);
    }
    const made = reroll ? await raw.reroll(spec, key) : await raw.shared(spec, key);
    if ('placeholder' in made) return pendingResult(options.layout, spec, key, made.credits);
    const { entry, generated } = made;
    const asset: AssetOf = { spec, key, provenance: provenanceOf(entry, emulated) };
    if (isImageSpec(spec)) return imageResult({ ...options, warn: warnOnce }, asset, made);
    const file = await optimized(rawSourceOf(options.layout, describeSpec(spec), entry), spec.optimize);
    // Reached only when the optimized copy is intact: a damaged raw file it needed has failed above.
    if (made.damage) warnOnce(shippedWithoutRaw(describeSpec(spec), made.damage));
    const { rawBytes, bytes } = file.meta;
    if (generated)
      options.log(
        `"${entry.label}" done: ${formatBytes(rawBytes)} from ${options.emulated ? 'the emulator' : 'Meshy'}, ${formatBytes(bytes)} optimized, ${creditsText(entry.credits, options.emulated ?? false)}`,
      );
    const result = modelResult(asset, file, 'ready', generated);
    // Unless a warning is or will be due on every build (an ai_model Meshy retires, now or on a set day; a damaged raw file).
    if (!made.damage && !retirementOf(spec, Number.POSITIVE_INFINITY)) {
      result.storeFiles = [file.path, file.metaPath, rawFilePath(options.layout, resultFileOf(entry))];
    }
    return result;
  }

  function get(spec: MeshySpec): Promise<ModelResult> {
    const key = keyOf(spec);
    // Same Meshy request, other optimize overrides: a different result (the raw level is still shared).
    const flightKey = spec.optimize ? `${key} ${canonicalJson(spec.optimize)}` : key;
    return sharedResult(flightKey, () => {
      const location = locate(spec);
      return reported(options.onEvent, spec, key, 'then' in location ? location.then((found) => produce(spec, found)) : produce(spec, location));
    });
  }

  return {
    dryRunReport: admission.dryRunReport,
    retiredMisses,
    get,
    keyOf,
    regenerate: (spec) => produce(spec, { key: keyOf(spec), emulated: options.emulated ?? false }, true),
    async peek(spec) {
      return (await isStored((await locate(spec)).key)) ? get(spec) : undefined;
    },
  };
}

/** Where a spec's model is read from (or generated to), and whether the emulator made it. */
interface Location {
  key: string;
  emulated: boolean;
}

/**
 * A spec → the first of `readNamespaces` that stores it, else `namespace` (where a miss is
 * generated). With one namespace (the usual case) it reads nothing.
 */
function createLocator(
  options: ModelSourceOptions,
  keyOf: (spec: MeshySpec) => string,
  isStored: (key: string) => Promise<boolean>,
): (spec: MeshySpec) => Location | Promise<Location> {
  const own = (spec: MeshySpec): Location => ({ key: keyOf(spec), emulated: options.emulated ?? false });
  const others = (options.readNamespaces ?? []).filter((namespace) => namespace !== options.namespace);
  // Answered at once: a source with one namespace (every build, the CLI) runs exactly as before.
  if (others.length === 0) return own;
  const order = options.readNamespaces!;
  return async (spec) => {
    for (const namespace of order) {
      if (namespace === options.namespace) {
        const location = own(spec);
        if (await isStored(location.key)) return location;
        continue;
      }
      const key = specKey(spec, namespace);
      if (await isStored(key)) return { key, emulated: false };
    }
    return own(spec);
  };
}

/** The raw level as a source sees it. */
interface RawLevel {
  /** The raw model of a spec: concurrent calls for one key share one generation, however many optimize variants wait for it. */
  shared(spec: MeshySpec, key: string): Promise<RawModel>;
  /** A new roll, even when one is stored (`regenerate`). */
  reroll(spec: MeshySpec, key: string): Promise<RawModel>;
}

function createRawLevel(
  options: ModelSourceOptions,
  admission: Admission,
  locate: (spec: MeshySpec) => Location | Promise<Location>,
  warnOnce: (line: string) => void,
  onPreview?: (spec: MeshySpec, key: string, task: PreviewTask) => void,
): RawLevel {
  const limit = createLimiter(options.concurrency);
  const printProgress = createProgressPrinter(options.logProgress ?? options.log);
  const sharedRaw = createDedupe<string, RawModel>();

  async function obtain(spec: MeshySpec, key: string, reroll: boolean): Promise<RawModel> {
    const made = await obtainRawModel(
      spec,
      key,
      {
        layout: options.layout,
        namespace: options.namespace,
        admission,
        connect: options.connect,
        limit,
        retryFailed: options.retryFailed ?? false,
        ...(options.lockStaleMs === undefined ? {} : { lockStaleMs: options.lockStaleMs }),
        onEvent: (label, event) => {
          printProgress({ label, ...event });
          options.onEvent?.({ type: 'progress', key, label, ...event });
        },
        ...(onPreview ? { onPreview: (task: PreviewTask) => onPreview(spec, key, task) } : {}),
        generated: generatedSource,
        log: options.log,
        emulated: options.emulated ?? false,
        warn: options.warn ?? options.log,
        ...(options.remote ? { remote: options.remote } : {}),
        // What a dev server's page shows goes before other work in Meshy's queue.
        ...(options.previews ? { priority: 2 } : {}),
      },
      { reroll },
    );
    // Served from the store, though it could not be made again: said once, so that it is changed in time.
    const retired = 'entry' in made ? retirementOf(spec) : undefined;
    if (retired) {
      warnOnce(
        `"${describeSpec(spec)}": ${retired}. Its stored model is used; it cannot be generated again (a changed option or \`regenerate\` would need a new task).`,
      );
    }
    return made;
  }

  const shared = (spec: MeshySpec, key: string) => sharedRaw(key, () => obtain(spec, key, false));

  /** Another import used as an input: from the store, or generated first (through the same queue). */
  async function generatedSource(dependency: MeshySpec): Promise<GeneratedSource> {
    const made = await shared(dependency, (await locate(dependency)).key);
    if ('placeholder' in made) throw new Error(`"${describeSpec(dependency)}" is not generated (dry run or offline)`);
    const file = resultFileOf(made.entry);
    const mimeType = file.ext === 'png' ? 'image/png' : file.ext === 'jpg' ? 'image/jpeg' : 'application/octet-stream';
    return { entry: made.entry, mimeType, read: () => readPaidRaw(options.layout, describeSpec(dependency), made.entry) };
  }

  return { shared, reroll: (spec, key) => obtain(spec, key, true) };
}

/** Tells a listener how a generation ended (`done` only when it paid Meshy). Returns the same promise. */
function reported(onEvent: ModelSourceOptions['onEvent'], spec: MeshySpec, key: string, pending: Promise<ModelResult>): Promise<ModelResult> {
  if (onEvent) {
    const label = describeSpec(spec);
    pending.then(
      (result) => result.generated && onEvent({ type: 'done', key, label, result }),
      (error: Error) => onEvent({ type: 'error', key, label, message: error.message }),
    );
  }
  return pending;
}

function rawSourceOf(layout: StoreLayout, label: string, entry: ManifestEntry): RawSource {
  return { sha256: resultFileOf(entry).sha256, label, read: () => readPaidRaw(layout, label, entry) };
}

/** Images ship as Meshy made them; a content-addressed copy sits with the models, to be served in dev. */
async function imageResult(
  { layout, log, warn, emulated }: Pick<ModelSourceOptions, 'layout' | 'log' | 'emulated'> & { warn: (line: string) => void },
  asset: AssetOf,
  { entry, generated }: { entry: ManifestEntry; generated: boolean },
): Promise<ModelResult> {
  const file = resultFileOf(entry);
  const { bytes, path } = await readPaidImage(layout, describeSpec(asset.spec), entry, warn);
  const { default: sharp } = await import('sharp');
  const { width = 0, height = 0 } = await sharp(bytes).metadata();
  if (generated) log(`"${entry.label}" done: ${formatBytes(bytes.byteLength)} image, ${creditsText(entry.credits, emulated ?? false)}`);
  const meta = imageMeta(asset, { bytes: bytes.byteLength, width, height, mimeType: file.ext === 'jpg' ? 'image/jpeg' : 'image/png', status: 'ready' });
  return { key: asset.key, path, generated, meta };
}
