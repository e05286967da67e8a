/**
 * Meshy's model ids as of the reference (Oct 2026). `latest` moves over time, so a spec never keeps
 * it: it is pinned to the model it means today, and the pinned id is part of the cache key.
 */
export const STANDARD_MODELS = ['meshy-5', 'meshy-6', 'meshy-6-lite', 'meshy-7', 'meshy-7.1'] as const;
export const SMART_TOPOLOGY_MODELS = ['meshy-t2', 'meshy-t2.5'] as const;
export const AI_MODELS = [...STANDARD_MODELS, ...SMART_TOPOLOGY_MODELS, 'latest'] as const;

export type StandardModel = (typeof STANDARD_MODELS)[number];
export type SmartTopologyModel = (typeof SMART_TOPOLOGY_MODELS)[number];
export type AiModel = (typeof AI_MODELS)[number];

export const LATEST_STANDARD_MODEL: StandardModel = 'meshy-7.1';
export const DEFAULT_SMART_TOPOLOGY_MODEL: SmartTopologyModel = 'meshy-t2';

export function pinModel(model: AiModel | undefined, modelType: 'standard' | 'smart-topology'): StandardModel | SmartTopologyModel {
  if (modelType === 'smart-topology') {
    return model === undefined || model === 'latest' ? DEFAULT_SMART_TOPOLOGY_MODEL : (model as SmartTopologyModel);
  }
  return model === undefined || model === 'latest' ? LATEST_STANDARD_MODEL : (model as StandardModel);
}

export function isSmartTopologyModel(model: string): model is SmartTopologyModel {
  return (SMART_TOPOLOGY_MODELS as readonly string[]).includes(model);
}

/** Meshy remeshes by default only for models before Meshy 6 (changelog, Jan 22 2026). */
export function remeshesByDefault(model: StandardModel): boolean {
  return model === 'meshy-5';
}

/** Triangle budgets Meshy accepts, per model (reference §6.1.1). */
export function polycountRange(model: StandardModel | SmartTopologyModel): { min: number; max: number; fallback: number } {
  if (model === 'meshy-t2') return { min: 100, max: 15_000, fallback: 4_000 };
  if (model === 'meshy-t2.5') return { min: 100, max: 30_000, fallback: 15_000 };
  return { min: 100, max: 300_000, fallback: 30_000 };
}
