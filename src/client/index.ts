/**
 * Browser helpers for `meshy:` imports in the dev server. Runs in the browser: no Node imports.
 *
 * In dev, a model that is not cached is first served as a placeholder, then swapped for Meshy's
 * preview and the final model. `onModelUpdate` lets a game swap its mesh in place; without a
 * listener, the update propagates to the importing modules (or reloads the page).
 */
import type { MeshyModelMeta } from '../meta.js';

/** A new version of a `meshy:` module: its URL and `meta` (`meta.status`: `preview` or `ready`). */
export interface ModelUpdate {
  url: string;
  meta: MeshyModelMeta;
}

/** A generation as the dev server reports it in `meshy:progress` and `meshy:error` HMR events. */
export interface GenerationStatus {
  key: string;
  /** The prompt, shortened. */
  label: string;
  stage: string;
  status: string;
  progress: number;
  startedAt: number;
  elapsedMs: number;
  /** Meshy's error, for a failed generation. */
  error?: string;
}

export type ModelUpdateListener = (update: ModelUpdate) => void;

/** Shared with the code of `meshy:` modules, which calls these listeners from its HMR handler. */
export const MODEL_LISTENERS_KEY = 'vite-plugin-meshy:model-listeners';
const LISTENERS = Symbol.for(MODEL_LISTENERS_KEY);

function listeners(): Map<string, Set<ModelUpdateListener>> {
  const scope = globalThis as { [LISTENERS]?: Map<string, Set<ModelUpdateListener>> };
  return (scope[LISTENERS] ??= new Map());
}

/**
 * Calls `listener` with each new version of the model whose `meta` is given (the `meta` export of its
 * `meshy:` import). While a model has a listener, its updates stop there: nothing re-runs, nothing
 * reloads. Returns a function that removes the listener. Does nothing in builds (no updates come).
 *
 * ```ts
 * import helmetUrl, { meta } from 'meshy:prompt?text=a viking helmet';
 * import { onModelUpdate } from 'vite-plugin-meshy/client';
 * onModelUpdate(meta, async ({ url }) => swap(await loader.loadAsync(url)));
 * ```
 */
export function onModelUpdate(model: Pick<MeshyModelMeta, 'key'>, listener: ModelUpdateListener): () => void {
  const all = listeners();
  let forModel = all.get(model.key);
  if (!forModel) all.set(model.key, (forModel = new Set()));
  forModel.add(listener);
  return () => {
    forModel.delete(listener);
  };
}
