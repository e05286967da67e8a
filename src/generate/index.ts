import {
  putRawGlb,
  readManifestEntry,
  readOptimized,
  readRawGlb,
  recordManifestEntry,
  hasRawGlb,
  assertGlb,
  writeOptimized,
  type ManifestEntry,
  type StoreLayout,
} from '../cache/index.js';
import { MeshyPluginError } from '../errors.js';
import type { MeshyClient } from '../meshy/index.js';
import { optimizedKey, optimizeGlb, type ModelStats, type OptimizeOptions } from '../optimize/index.js';
import { describeSpec, specKey, type MeshySpec } from '../spec/index.js';
import { createLimiter } from './limit.js';
import { createProgressPrinter } from './progress.js';
import { runTextTo3D } from './text-to-3d.js';

export { createLimiter } from './limit.js';
export { createProgressPrinter, type ProgressUpdate } from './progress.js';

/** generate: call Meshy on a cache miss; frozen: fail on a miss (CI); offline: never touch the network. */
export type GenerationMode = 'generate' | 'frozen' | 'offline';

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
}

/** Everything the `meta` export of a `meshy:` module carries. */
export interface ModelMeta extends ModelStats {
  kind: string;
  prompt: string;
  key: string;
  model: string;
  taskIds: string[];
  credits: number;
  bytes: number;
  rawBytes: number;
  status: 'ready';
}

export interface ModelResult {
  key: string;
  /** The optimized GLB on disk, ready to emit or serve. */
  path: string;
  meta: ModelMeta;
  /** True when this call paid Meshy for it. */
  generated: boolean;
}

export class CacheMissError extends MeshyPluginError {}
export class GenerationError extends MeshyPluginError {}

interface OptimizedMeta {
  stats: ModelStats;
  bytes: number;
  rawBytes: number;
}

/**
 * spec → (cache or Meshy) → optimize → store. Identical specs asked for at the same time share one
 * generation; every result lands in the store before it is returned.
 */
export function createModelSource(options: ModelSourceOptions): { get(spec: MeshySpec): Promise<ModelResult> } {
  const inFlight = new Map<string, Promise<ModelResult>>();
  const limit = createLimiter(options.concurrency);
  const printProgress = createProgressPrinter(options.log);

  async function rawEntry(spec: MeshySpec, key: string): Promise<{ entry: ManifestEntry; generated: boolean }> {
    const cached = await readManifestEntry(options.layout, key);
    if (cached && (await hasRawGlb(options.layout, cached.files.glb))) return { entry: cached, generated: false };
    if (options.mode !== 'generate') {
      throw new CacheMissError(
        'MESHY_CACHE_MISS',
        `"${describeSpec(spec)}" is not in the Meshy cache (${options.layout.dir}) and mode is "${options.mode}", so nothing is generated. ` +
          `Generate it where a MESHY_API_KEY is set (mode "generate") and commit the cache directory.`,
        { context: { key, mode: options.mode } },
      );
    }
    const entry = await limit(() => generate(spec, key));
    return { entry, generated: true };
  }

  async function generate(spec: MeshySpec, key: string): Promise<ManifestEntry> {
    const label = describeSpec(spec);
    const meshy = await options.connect();
    options.log(`generating "${label}" with Meshy (${spec.refine ? 'preview + refine' : 'preview only'})`);
    let result;
    try {
      result = await runTextTo3D(spec, meshy, {
        onEvent: (event) => printProgress({ label, ...event }),
      });
    } catch (cause) {
      throw new GenerationError('MESHY_GENERATION_FAILED', `Meshy could not generate "${label}": ${(cause as Error).message}`, {
        cause,
        context: { key },
      });
    }
    const bytes = await meshy.download(result.glbUrl, { validate: assertGlb });
    const file = await putRawGlb(options.layout, bytes);
    const entry: ManifestEntry = {
      kind: spec.kind,
      label,
      namespace: options.namespace,
      model: String(spec.preview.ai_model),
      request: { preview: spec.preview, refine: spec.refine },
      tasks: result.tasks,
      credits: result.tasks.reduce((sum, task) => sum + task.credits, 0),
      files: { glb: file },
      createdAt: new Date().toISOString(),
    };
    await recordManifestEntry(options.layout, key, entry);
    options.log(`"${label}" done: ${formatBytes(file.bytes)}, ${entry.credits} credits`);
    return entry;
  }

  async function optimized(entry: ManifestEntry): Promise<{ path: string; meta: OptimizedMeta }> {
    const key = optimizedKey(entry.files.glb.sha256, options.optimize);
    const cached = await readOptimized<OptimizedMeta>(options.layout, key);
    if (cached) return cached;
    const raw = await readRawGlb(options.layout, entry.files.glb);
    const result = await optimizeGlb(raw, options.optimize);
    return writeOptimized<OptimizedMeta>(options.layout, key, result.bytes, {
      stats: result.after,
      bytes: result.bytes.byteLength,
      rawBytes: raw.byteLength,
    });
  }

  async function produce(spec: MeshySpec, key: string): Promise<ModelResult> {
    const { entry, generated } = await rawEntry(spec, key);
    const { path, meta } = await optimized(entry);
    return {
      key,
      path,
      generated,
      meta: {
        kind: spec.kind,
        prompt: String(spec.preview.prompt),
        key,
        model: entry.model,
        taskIds: entry.tasks.map((task) => task.id),
        credits: entry.credits,
        ...meta.stats,
        bytes: meta.bytes,
        rawBytes: meta.rawBytes,
        status: 'ready',
      },
    };
  }

  return {
    get(spec) {
      const key = specKey(spec, options.namespace);
      let pending = inFlight.get(key);
      if (!pending) {
        pending = produce(spec, key).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
