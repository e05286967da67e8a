/**
 * Types for `meshy:` imports. Add to tsconfig.json: `"types": ["vite-plugin-meshy/client"]`,
 * or a `/// <reference types="vite-plugin-meshy/client" />` line in a .d.ts file.
 */
declare module 'meshy:*' {
  /** URL of the generated GLB (hashed asset in builds, served from the cache in dev). */
  const url: string;
  export default url;
  /** What the model is: prompt, triangle count, bounds, texture sizes, Meshy task ids… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

/** Browser helpers for the dev server (see README, "Dev server"). */
declare module 'vite-plugin-meshy/client' {
  type ModelMeta = import('vite-plugin-meshy').MeshyModelMeta;

  /** A new version of a `meshy:` module: its URL and `meta` (`meta.status`: `preview` or `ready`). */
  export interface ModelUpdate {
    url: string;
    meta: ModelMeta;
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

  /**
   * Calls `listener` with each new version of the model whose `meta` is given (the `meta` export of its
   * `meshy:` import): in dev, the preview, then the final model. While a model has a listener, its
   * updates stop there (nothing re-runs, nothing reloads). Returns a function that removes the listener.
   */
  export function onModelUpdate(model: Pick<ModelMeta, 'key'>, listener: ModelUpdateListener): () => void;
}
