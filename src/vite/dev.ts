import type { StoreLayout } from '../cache/index.js';
import type { GenerationStatus } from '../client/index.js';
import { MeshyPluginError } from '../errors.js';
import { estimateCredits, type GenerationEvent, type ModelResult, type ModelSource } from '../generate/index.js';
import { pendingResult, placeholderShapeFor } from '../generate/placeholder.js';
import { describeSpec, type MeshySpec } from '../imports/index.js';
import { clip } from '../imports/printable.js';

/** One generation as the browser sees it (HMR events, overlay): plain data, no secrets. */
export type { GenerationStatus };

/** What the dev server does with news of a generation: tell the browser, swap modules. */
export interface DevModelsDeps {
  source: ModelSource;
  layout: StoreLayout;
  /** Sends a custom HMR event to the browser. */
  send: (event: 'meshy:progress' | 'meshy:preview' | 'meshy:done' | 'meshy:error', data: Record<string, unknown>) => void;
  /** Reloads these `\0meshy:` modules through the module graph, if something still imports them. */
  reload: (resolvedIds: string[]) => void;
  /** Serves a model file: its dev URL. */
  urlOf: (model: ModelResult) => string;
  log: (line: string) => void;
  logError: (line: string) => void;
  /** Masks secrets in text bound for the browser or the terminal. */
  redact: (text: string) => string;
  /** Who makes the models, as the log names it: `Meshy` (default), or `the emulator`. */
  maker?: string;
  now?: () => number;
  /** Least time between two progress events of one generation sent to the browser. */
  progressIntervalMs?: number;
}

class GenerationRefusedError extends MeshyPluginError {}

/** What the dev server may do for a request: generate (a project file imports this very id), optimize (a project file imports this variant). */
export interface DevAccess {
  generate: boolean;
  optimize: boolean;
}

/**
 * Dev-time answers for `meshy:` modules: the stored model if there is one, else a placeholder at once
 * while the generation runs in the background (same queue, cache and dedupe as builds), then the
 * preview and the final model, each swapped in by reloading the module.
 */
export function createDevModels(deps: DevModelsDeps) {
  const now = deps.now ?? Date.now;
  const progressIntervalMs = deps.progressIntervalMs ?? 250;
  /** Per `\0meshy:` module: the best result so far, once the background generation has produced one. */
  const modules = new Map<string, { key: string; latest?: ModelResult }>();
  /** Per spec key: its generation's progress, for the overlay and HMR events. */
  const generations = new Map<string, GenerationStatus & { sentAt: number }>();
  const previews = new Map<string, ModelResult>();
  let closed = false;
  const maker = deps.maker ?? 'Meshy';

  function track(key: string, label: string): GenerationStatus & { sentAt: number } {
    let generation = generations.get(key);
    if (!generation) {
      generation = { key, label, stage: 'queued', status: 'PENDING', progress: 0, startedAt: now(), elapsedMs: 0, sentAt: 0 };
      generations.set(key, generation);
    }
    return generation;
  }

  function publicStatus({ sentAt: _sentAt, ...generation }: GenerationStatus & { sentAt: number }): GenerationStatus {
    return { ...generation, elapsedMs: now() - generation.startedAt };
  }

  function onProgress(event: Extract<GenerationEvent, { type: 'progress' }>): void {
    const generation = track(event.key, event.label);
    const changed = generation.stage !== event.stage || generation.status !== event.status;
    Object.assign(generation, { stage: event.stage, status: event.status, progress: event.progress });
    if (!changed && now() - generation.sentAt < progressIntervalMs) return;
    generation.sentAt = now();
    deps.send('meshy:progress', { ...publicStatus(generation) });
  }

  function onPreview(key: string, result: ModelResult): void {
    previews.set(key, result);
    const waiting = [...modules].filter(([, module]) => module.key === key && !module.latest);
    for (const [, module] of waiting) module.latest = result;
    deps.log(`"${describeLabel(key)}" preview ready: swapping it in while ${maker} adds the texture`);
    deps.send('meshy:preview', { key, label: describeLabel(key), url: deps.urlOf(result), meta: result.meta });
    deps.reload(waiting.map(([id]) => id));
  }

  function describeLabel(key: string): string {
    return generations.get(key)?.label ?? key.slice(0, 8);
  }

  function finished(resolvedId: string, key: string, result: ModelResult): void {
    if (closed || result.meta.status !== 'ready') return; // a dry run's placeholder: nothing to swap
    const module = modules.get(resolvedId);
    // The same import may have come to mean another model meanwhile (its input file was edited).
    const current = module?.key === key;
    if (module && current) module.latest = result;
    const generation = generations.get(key);
    if (generation) {
      generations.delete(key);
      const elapsedMs = now() - generation.startedAt;
      deps.log(`"${generation.label}" ready after ${Math.round(elapsedMs / 1000)}s: swapping it in`);
      deps.send('meshy:done', { key, label: generation.label, url: deps.urlOf(result), meta: result.meta, elapsedMs });
    }
    if (current) deps.reload([resolvedId]);
  }

  function failed(key: string, error: Error): void {
    if (closed) return;
    const generation = generations.get(key);
    if (!generation || generation.error !== undefined) return;
    const message = deps.redact(error.message);
    // The stage stays the one that failed: the overlay shows `refine failed`.
    Object.assign(generation, { status: 'FAILED', error: message });
    deps.logError(`"${generation.label}" failed; its placeholder stays: ${message}`);
    deps.send('meshy:error', { ...publicStatus(generation) });
  }

  const placeholders = new Map<string, Promise<ModelResult>>();
  function placeholder(spec: MeshySpec, key: string): Promise<ModelResult> {
    const shape = placeholderShapeFor(spec);
    const id = `${key} ${shape.size} ${shape.origin}`;
    let pending = placeholders.get(id);
    if (!pending) {
      pending = pendingResult(deps.layout, spec, key, estimateCredits(spec), placeholderShapeFor(spec));
      placeholders.set(id, pending);
    }
    return pending;
  }

  return {
    /**
     * The model a `meshy:` module serves now. Generation starts only with `access.generate` (an
     * import written in a project file): anything else a browser asks for is refused, and spends
     * nothing. A stored model is optimized with an import's overrides only with `access.optimize`
     * (a project file imports that variant): any other `max_triangles=…` is refused before any CPU
     * or disk work, since each one would be a new optimized file.
     */
    async answer(spec: MeshySpec, resolvedId: string, access: DevAccess): Promise<ModelResult> {
      const key = deps.source.keyOf(spec);
      // An edited input file makes the same import id a new request.
      if (modules.get(resolvedId)?.key !== key) modules.delete(resolvedId);
      const known = modules.get(resolvedId);
      if (known?.latest) return known.latest;
      if (!known) {
        if (!access.optimize) {
          throw new GenerationRefusedError(
            'MESHY_VARIANT_NOT_IN_PROJECT',
            `Refused to make a new optimized variant of "${describeSpec(spec)}": no file of this project imports "${shownId(resolvedId)}" (its optimize options). ` +
              'The dev server optimizes only the variants that your source files import (a browser can ask it for any module id), so nothing was done.',
            { context: { key } },
          );
        }
        const stored = await deps.source.peek(spec);
        if (stored) return stored;
        if (!access.generate) {
          throw new GenerationRefusedError(
            'MESHY_IMPORT_NOT_IN_PROJECT',
            `Refused to generate "${describeSpec(spec)}": no file of this project imports "${shownId(resolvedId)}". ` +
              `The dev server generates only models that your source files import (a browser can ask it for any module id), so nothing was spent.`,
            { context: { key } },
          );
        }
        modules.set(resolvedId, { key });
        const label = describeSpec(spec);
        const fresh = !generations.has(key);
        const generation = track(key, label);
        if (fresh) {
          deps.log(`"${label}" is not cached: serving a placeholder while ${maker} generates it`);
          deps.send('meshy:progress', { ...publicStatus(generation) });
        }
        // Started once this answer is on its way: the placeholder must not wait for the generation's first steps.
        setImmediate(() => {
          if (closed) return;
          deps.source.get(spec).then(
            (result) => finished(resolvedId, key, result),
            (error: Error) => failed(key, error),
          );
        });
      }
      return previews.get(key) ?? placeholder(spec, key);
    },

    /** News from the model source (its `onEvent`). */
    onEvent(event: GenerationEvent): void {
      if (closed) return;
      if (event.type === 'progress') onProgress(event);
      else if (event.type === 'preview') onPreview(event.key, event.result);
    },

    /** The generations running now, for a browser that just connected. */
    running(): GenerationStatus[] {
      return [...generations.values()].map(publicStatus);
    },

    /** After the server closes, late results change nothing. */
    close(): void {
      closed = true;
    },
  };
}

export type DevModels = ReturnType<typeof createDevModels>;

/** A resolved id as a refusal quotes it: without the `\0`, printable, cut. */
function shownId(resolvedId: string): string {
  return clip(resolvedId.slice(1), 160);
}
