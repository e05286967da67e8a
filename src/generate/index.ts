import { join } from 'node:path';
import sharp from 'sharp';
import {
  assertGlb,
  readOptimized,
  readRawGlb,
  resultFileOf,
  writeFileAtomic,
  writeOptimized,
  type ManifestEntry,
  type StoreLayout,
} from '../cache/index.js';
import type { MeshyClient } from '../meshy/index.js';
import {
  createOptimizePool,
  defaultWorkerCount,
  optimizedKey,
  optimizeGlb,
  type ModelStats,
  type OptimizeOptions,
  type OptimizeOverrides,
  type OptimizeQuality,
  type OptimizeReport,
} from '../optimize/index.js';
import { canonicalJson, sha256 } from '../hash.js';
import { describeSpec, isImageSpec, specKey, type MeshySpec } from '../imports/index.js';
import { createAdmission, type Admission } from './admission.js';
import { createLimiter } from './limit.js';
import type { GenerationMode } from './modes.js';
import { pendingResult } from './placeholder.js';
import { createProgressPrinter } from './progress.js';
import { generatedInputsOf, type GeneratedSource } from './plan.js';
import { cachedEntry, modelOf, obtainRawModel, type PreviewTask, type RawModel } from './raw.js';

export { BudgetError, CacheMissError, type PendingGeneration } from './admission.js';
export { createLimiter } from './limit.js';
export type { GenerationMode } from './modes.js';
export { placeholderGlb } from './placeholder.js';
export { createProgressPrinter, type ProgressUpdate } from './progress.js';
export { estimateCredits, GenerationError, modelOf } from './raw.js';
export { generatedInputsOf, planOf, type PlanStep } from './plan.js';

export interface ModelSourceOptions {
  layout: StoreLayout;
  /** Keeps results of different backends apart (the real API, its test mode, an emulator). */
  namespace: string;
  mode: GenerationMode;
  /** Meshy tasks running at once; Meshy Pro's queue holds 10. */
  concurrency: number;
  optimize: OptimizeOptions;
  /** Called on cache misses only, so a cache hit never opens a connection; may return a shared client. */
  connect: () => Promise<MeshyClient>;
  log: (line: string) => void;
  /** Most credits this build may spend (estimated before spending); undefined = no cap. */
  maxCredits?: number;
  /** Generate nothing: misses get a placeholder, and `dryRunReport()` says what they would cost. */
  dryRun?: boolean;
  /** Create a new task for a spec whose earlier task FAILED (it costs credits again). */
  retryFailed?: boolean;
  /** A generation lock not refreshed for this long belongs to a dead process and is taken over. */
  lockStaleMs?: number;
  /** Also download and optimize the untextured preview of textured models, as an early result (dev). */
  previews?: boolean;
  /** Structured news of generations, for dev servers: progress, early results, completion, failure. */
  onEvent?: (event: GenerationEvent) => void;
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
}

/** What every `meta` export carries: where the asset came from and what it cost. */
export interface AssetOrigin {
  /** The import kind: prompt, image, images, retexture, remesh, text-to-image, image-to-image. */
  kind: string;
  /** The text prompt, where the import has one ('' otherwise). */
  prompt: string;
  /** A short description for logs and tools. */
  label: string;
  key: string;
  /** The AI model that made it, or the Meshy resource (remesh, rigging…). */
  model: string;
  taskIds: string[];
  credits: number;
  bytes: number;
}

/** The `meta` export of an image import (`meshy:text-to-image`, `meshy:image-to-image`). */
export interface ImageMeta extends AssetOrigin {
  width: number;
  height: number;
  mimeType: string;
  status: 'ready' | 'pending';
}

/** Everything the `meta` export of a model import carries (`animations` lists its clip names). */
export interface ModelMeta extends ModelStats, AssetOrigin {
  rawBytes: number;
  /** True when Meshy rigged it (`&rig` or `&animation`): the GLB has a skin. */
  rigged: boolean;
  /** What the optimizer did: preset, triangles before, and measured quality (texture PSNR, simplifier error). */
  optimization: OptimizationMeta;
  /**
   * `pending`: not generated yet, the URL is a placeholder (dev, dry runs); `preview`: Meshy's
   * untextured preview while the textured model is made (dev); `ready`: the final model.
   */
  status: 'ready' | 'preview' | 'pending';
}

export interface OptimizationMeta {
  preset: string | false;
  trianglesBefore: number;
  quality: OptimizeQuality;
}

export interface ModelResult {
  key: string;
  /** The optimized GLB (or the image) on disk, ready to emit or serve. */
  path: string;
  meta: ModelMeta | ImageMeta;
  /** True when this call paid Meshy for it. */
  generated: boolean;
}


export interface OptimizedMeta {
  /** The raw file it was made from, so unused optimized files can be collected. */
  rawSha256?: string;
  stats: ModelStats;
  bytes: number;
  rawBytes: number;
  /** The optimizer's full report (per-texture sizes and PSNR, simplification, timings). */
  report: OptimizeReport;
}

/**
 * spec → (cache or Meshy) → optimize → store. Identical specs asked for at the same time share one
 * generation; every result lands in the store before it is returned.
 */
export function createModelSource(options: ModelSourceOptions): ModelSource {
  const inFlight = new Map<string, Promise<ModelResult>>();
  const limit = createLimiter(options.concurrency);
  const printProgress = createProgressPrinter(options.log);
  const admission = createAdmission({
    mode: options.mode,
    dryRun: options.dryRun ?? false,
    cacheDir: options.layout.dir,
    ...(options.maxCredits === undefined ? {} : { maxCredits: options.maxCredits }),
  });
  // Optimization is CPU-bound: a small pool of worker threads, created on first use.
  let pool: ReturnType<typeof createOptimizePool> | undefined;
  const optimizePool = () => (pool ??= createOptimizePool(options.optimize === false ? 1 : (options.optimize.workers ?? defaultWorkerCount())));

  function rawModel(spec: MeshySpec, key: string, reroll = false): Promise<RawModel> {
    return obtainRawModel(spec, key, {
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
      ...(options.previews ? { onPreview: (task: PreviewTask) => void announcePreview(spec, key, task) } : {}),
      generated: generatedSource,
      log: options.log,
    }, { reroll });
  }

  /** Downloads and optimizes a textured model's untextured preview: something real to look at early. */
  async function announcePreview(spec: MeshySpec, key: string, task: PreviewTask): Promise<void> {
    const label = describeSpec(spec);
    try {
      if (!task.model_urls?.glb) return;
      const client = await options.connect();
      const bytes = await client.download(task.model_urls.glb, { validate: assertGlb });
      const { path, meta } = await optimizedFile(sha256(bytes), async () => bytes, spec.optimize);
      const result = modelResult(spec, key, { model: modelOf(spec), taskIds: [task.id], credits: task.consumed_credits ?? 0 }, path, meta, 'preview', true);
      options.onEvent?.({ type: 'preview', key, label, result });
    } catch (error) {
      options.log(`"${label}": its preview could not be shown (${(error as Error).message}); waiting for the final model`);
    }
  }

  async function optimizedFile(
    rawSha256: string,
    readRaw: () => Promise<Uint8Array>,
    overrides: OptimizeOverrides | undefined,
  ): Promise<{ path: string; meta: OptimizedMeta }> {
    const key = optimizedKey(rawSha256, options.optimize, overrides);
    const cached = await readOptimized<OptimizedMeta>(options.layout, key);
    if (cached?.meta.report) return cached;
    const raw = await readRaw();
    const result = await optimizeGlb(raw, options.optimize, { overrides, pool: optimizePool() });
    return writeOptimized<OptimizedMeta>(options.layout, key, result.bytes, {
      rawSha256,
      stats: result.after,
      bytes: result.bytes.byteLength,
      rawBytes: raw.byteLength,
      report: result.report,
    });
  }

  function optimized(entry: ManifestEntry, overrides: OptimizeOverrides | undefined): Promise<{ path: string; meta: OptimizedMeta }> {
    const file = resultFileOf(entry);
    return optimizedFile(file.sha256, () => readRawGlb(options.layout, file), overrides);
  }

  // One Meshy generation per raw key, however many optimize variants wait for it.
  const rawInFlight = new Map<string, Promise<RawModel>>();
  function sharedRawModel(spec: MeshySpec, key: string): Promise<RawModel> {
    let pending = rawInFlight.get(key);
    if (!pending) {
      pending = rawModel(spec, key).finally(() => rawInFlight.delete(key));
      rawInFlight.set(key, pending);
    }
    return pending;
  }

  async function isStored(key: string): Promise<boolean> {
    return (await cachedEntry(options.layout, key)) !== undefined;
  }

  /** Another import used as an input: from the store, or generated first (through the same queue). */
  async function generatedSource(dependency: MeshySpec): Promise<GeneratedSource> {
    const raw = await sharedRawModel(dependency, specKey(dependency, options.namespace));
    if ('dryRun' in raw) throw new Error(`"${describeSpec(dependency)}" is not generated (dry run)`);
    const file = resultFileOf(raw.entry);
    const mimeType = file.ext === 'png' ? 'image/png' : file.ext === 'jpg' ? 'image/jpeg' : 'application/octet-stream';
    return { entry: raw.entry, mimeType, read: () => readRawGlb(options.layout, file) };
  }

  async function produce(spec: MeshySpec, key: string, reroll = false): Promise<ModelResult> {
    // Inputs made by other imports come first, outside this spec's lock and queue slot; a stored
    // model needs none of them.
    if (reroll || !(await isStored(key))) {
      for (const dependency of generatedInputsOf(spec)) await sharedRawModel(dependency, specKey(dependency, options.namespace));
    }
    const raw = reroll ? await rawModel(spec, key, true) : await sharedRawModel(spec, key);
    if ('dryRun' in raw) return pendingResult(options.layout, spec, key, raw.credits);
    const { entry, generated } = raw;
    if (isImageSpec(spec)) return imageResult(spec, key, entry, generated);
    const { path, meta } = await optimized(entry, spec.optimize);
    if (generated) options.log(`"${entry.label}" done: ${formatBytes(meta.rawBytes)} from Meshy, ${formatBytes(meta.bytes)} optimized, ${entry.credits} credits`);
    return modelResult(spec, key, { model: entry.model, taskIds: entry.tasks.map((task) => task.id), credits: entry.credits }, path, meta, 'ready', generated);
  }



  function get(spec: MeshySpec): Promise<ModelResult> {
      const key = specKey(spec, options.namespace);
      // Same Meshy request, other optimize overrides: a different result (the raw level is still shared).
      const flightKey = spec.optimize ? `${key} ${canonicalJson(spec.optimize)}` : key;
      let pending = inFlight.get(flightKey);
      if (!pending) {
        pending = produce(spec, key).finally(() => inFlight.delete(flightKey));
        inFlight.set(flightKey, pending);
        if (options.onEvent) {
          const label = describeSpec(spec);
          pending.then(
            (result) => result.generated && options.onEvent?.({ type: 'done', key, label, result }),
            (error: Error) => options.onEvent?.({ type: 'error', key, label, message: error.message }),
          );
        }
      }
      return pending;
  }

  /** Images ship as Meshy made them; a content-addressed copy sits with the models, to be served in dev. */
  async function imageResult(spec: MeshySpec, key: string, entry: ManifestEntry, generated: boolean): Promise<ModelResult> {
    const file = resultFileOf(entry);
    const bytes = await readRawGlb(options.layout, file);
    const path = join(options.layout.optimized, `${file.sha256}.${file.ext ?? 'png'}`);
    await writeFileAtomic(path, bytes, options.layout.tmp);
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    if (generated) options.log(`"${entry.label}" done: ${formatBytes(bytes.byteLength)} image, ${entry.credits} credits`);
    const meta: ImageMeta = {
      ...originOf(spec, key, { model: entry.model, taskIds: entry.tasks.map((task) => task.id), credits: entry.credits }),
      bytes: bytes.byteLength,
      width,
      height,
      mimeType: file.ext === 'jpg' ? 'image/jpeg' : 'image/png',
      status: 'ready',
    };
    return { key, path, generated, meta };
  }

  return {
    dryRunReport: admission.dryRunReport,
    get,
    keyOf: (spec) => specKey(spec, options.namespace),
    regenerate: (spec) => produce(spec, specKey(spec, options.namespace), true),
    async peek(spec) {
      return (await isStored(specKey(spec, options.namespace))) ? get(spec) : undefined;
    },
  };
}

/** The result and `meta` export of a model at one of its stages. */
function modelResult(
  spec: MeshySpec,
  key: string,
  origin: { model: string; taskIds: string[]; credits: number },
  path: string,
  meta: OptimizedMeta,
  status: ModelMeta['status'],
  generated: boolean,
): ModelResult {
  return {
    key,
    path,
    generated,
    meta: {
      ...originOf(spec, key, origin),
      ...meta.stats,
      rigged: Boolean(spec.rig),
      bytes: meta.bytes,
      rawBytes: meta.rawBytes,
      optimization: {
        preset: meta.report.preset,
        trianglesBefore: meta.report.before.triangles,
        quality: meta.report.quality,
      },
      status,
    },
  };
}

/** The fields every `meta` shares. */
export function originOf(spec: MeshySpec, key: string, origin: { model: string; taskIds: string[]; credits: number }): Omit<AssetOrigin, 'bytes'> {
  return { kind: spec.kind, prompt: promptOf(spec), label: describeSpec(spec), key, ...origin };
}

function promptOf(spec: MeshySpec): string {
  if (spec.kind === 'prompt') return String(spec.preview.prompt);
  const text = spec.request.prompt ?? spec.request.text_style_prompt ?? spec.request.texture_prompt;
  return typeof text === 'string' ? text : '';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
