import type { SpecProblem } from './errors.js';

/**
 * Meshy's model ids as of the reference (Oct 2026). `latest` moves over time, so a spec never keeps
 * it: it is pinned to the model it means today, and the pinned id is part of the cache key.
 */
export const STANDARD_MODELS = ['meshy-5', 'meshy-6', 'meshy-6-lite', 'meshy-7', 'meshy-7.1'] as const;
const SMART_TOPOLOGY_MODELS = ['meshy-t2', 'meshy-t2.5'] as const;
export const AI_MODELS = [...STANDARD_MODELS, ...SMART_TOPOLOGY_MODELS, 'latest'] as const;

/**
 * Meshy's retirement schedule (https://docs.meshy.ai/en/api/changelog): from its day on, a request naming the model is refused
 * with a 400, so an import naming it is refused when parsed, naming what to use instead. (meshy-t1's day in October 2026 is not
 * given; the month's first is taken.)
 */
const RETIREMENTS: Readonly<Record<string, { on: string; replacement: string }>> = {
  'meshy-3': { on: '2025-01-14', replacement: 'latest (Meshy 7.1)' },
  'meshy-4': { on: '2026-03-20', replacement: 'latest (Meshy 7.1)' },
  'meshy-5': { on: '2026-10-10', replacement: 'meshy-6-lite (the same 5-credit previews) or latest (Meshy 7.1)' },
  'meshy-t1': { on: '2026-10-01', replacement: 'meshy-t2 (model_type=smart-topology)' },
};

/** Why an `ai_model` can no longer be used, naming its replacement; undefined while it can. */
export function retiredModelProblem(model: string, now = Date.now()): string | undefined {
  const retirement = Object.hasOwn(RETIREMENTS, model) ? RETIREMENTS[model]! : undefined;
  if (!retirement || now < Date.parse(`${retirement.on}T00:00:00Z`)) return undefined;
  return `${model} was retired by Meshy on ${retirement.on} (its requests are refused); use ${retirement.replacement}`;
}

type StandardModel = (typeof STANDARD_MODELS)[number];
export type SmartTopologyModel = (typeof SMART_TOPOLOGY_MODELS)[number];
type AiModel = (typeof AI_MODELS)[number];

const LATEST_STANDARD_MODEL: StandardModel = 'meshy-7.1';
const DEFAULT_SMART_TOPOLOGY_MODEL: SmartTopologyModel = 'meshy-t2';

function pinModel(model: AiModel | undefined, modelType: 'standard' | 'smart-topology'): StandardModel | SmartTopologyModel {
  if (modelType === 'smart-topology') {
    return model === undefined || model === 'latest' ? DEFAULT_SMART_TOPOLOGY_MODEL : (model as SmartTopologyModel);
  }
  return model === undefined || model === 'latest' ? LATEST_STANDARD_MODEL : (model as StandardModel);
}

function isSmartTopologyModel(model: string): model is SmartTopologyModel {
  return (SMART_TOPOLOGY_MODELS as readonly string[]).includes(model);
}

/** Meshy's documented prompt limit in the June/August 2026 docs; later docs allow 800, we keep the safe one. */
export const MAX_PROMPT_LENGTH = 600;

/** Option values of the generation requests (https://docs.meshy.ai/en/api/text-to-3d, https://docs.meshy.ai/en/api/image-to-3d). */
export const MODEL_TYPES = ['standard', 'smart-topology'] as const;
export const TOPOLOGIES = ['triangle', 'quad'] as const;
export const GEOMETRY_RESOLUTIONS = ['standard', '2k', '4k'] as const;
export const TEXTURE_RESOLUTIONS = ['2k', '4k', '8k'] as const;
export const SYMMETRY_MODES = ['off', 'auto', 'on'] as const;
export const POSE_MODES = ['a-pose', 't-pose'] as const;
export const ORIGINS = ['bottom', 'center'] as const;
/** `decimation_mode` 1 to 4, in this order. */
export const DECIMATION_MODES = ['ultra', 'high', 'medium', 'low'] as const;
export const DECIMATION_DOC = `${DECIMATION_MODES.map((mode, index) => `${index + 1} ${mode}`).join(' | ')}; overrides target_polycount`;

/** The models that make 2k and 4k geometry (https://docs.meshy.ai/en/api/text-to-3d). */
const GEOMETRY_RESOLUTION_MODELS = { '2k': ['meshy-7', 'meshy-7.1'], '4k': ['meshy-7.1'] } as const;
/** The models whose textures are 2k only. */
const TWO_K_TEXTURE_MODELS = ['meshy-5', 'meshy-6-lite'] as const;

/** Triangle budgets Meshy accepts: the standard models', and each smart-topology model's (https://docs.meshy.ai/en/api/text-to-3d). */
export const POLYCOUNT = {
  standard: { min: 100, max: 300_000, fallback: 30_000 },
  'meshy-t2': { min: 100, max: 15_000, fallback: 4_000 },
  'meshy-t2.5': { min: 100, max: 30_000, fallback: 15_000 },
} as const satisfies Record<'standard' | SmartTopologyModel, { min: number; max: number; fallback: number }>;

/** Meshy remeshes by default only for models before Meshy 6 (changelog, Jan 22 2026). */
function remeshesByDefault(model: StandardModel): boolean {
  return model === 'meshy-5';
}

/** Triangle budgets Meshy accepts, per model (https://docs.meshy.ai/en/api/text-to-3d). */
function polycountRange(model: StandardModel | SmartTopologyModel): { min: number; max: number; fallback: number } {
  return isSmartTopologyModel(model) ? POLYCOUNT[model] : POLYCOUNT.standard;
}

/** The generation options shared by text, image and multi-image to 3D. */
export interface GenerationQuery {
  ai_model?: AiModel | undefined;
  model_type?: 'standard' | 'smart-topology' | undefined;
  topology?: 'triangle' | 'quad' | undefined;
  target_polycount?: number | undefined;
  geometry_resolution?: 'standard' | '2k' | '4k' | undefined;
  texture_resolution?: '2k' | '4k' | '8k' | undefined;
  should_remesh?: boolean | undefined;
  auto_size?: boolean | undefined;
  origin_at?: 'bottom' | 'center' | undefined;
}

/** Combinations of generation options that Meshy rejects with a 400 (https://docs.meshy.ai/en/api/text-to-3d, https://docs.meshy.ai/en/api/image-to-3d). */
export function generationProblems(query: GenerationQuery): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const modelType = query.model_type ?? (query.ai_model && isSmartTopologyModel(query.ai_model) ? 'smart-topology' : 'standard');
  const model = pinModel(query.ai_model, modelType);
  if (modelType === 'smart-topology' && !isSmartTopologyModel(model)) {
    problems.push({ key: 'ai_model', message: `${model} is not a smart-topology model; use ${SMART_TOPOLOGY_MODELS.join(' or ')}` });
  }
  if (modelType === 'standard' && isSmartTopologyModel(model)) {
    problems.push({ key: 'model_type', message: `${model} needs model_type=smart-topology` });
  }
  if (modelType === 'smart-topology') {
    if (query.topology === 'quad') problems.push({ key: 'topology', message: 'smart-topology models are triangle-only' });
    if (query.geometry_resolution && query.geometry_resolution !== 'standard') {
      problems.push({ key: 'geometry_resolution', message: 'only the standard model type has 2k/4k geometry' });
    }
    const range = polycountRange(model);
    if (query.target_polycount !== undefined && query.target_polycount > range.max) {
      problems.push({ key: 'target_polycount', message: `must be at most ${range.max} for ${model}; got ${query.target_polycount}` });
    }
  }
  for (const resolution of ['2k', '4k'] as const) {
    const models: readonly string[] = GEOMETRY_RESOLUTION_MODELS[resolution];
    if (query.geometry_resolution === resolution && !models.includes(model)) {
      problems.push({ key: 'geometry_resolution', message: `${resolution} needs ai_model ${models.join(', ')} or latest; got ${model}` });
    }
  }
  if (query.texture_resolution && query.texture_resolution !== '2k' && (TWO_K_TEXTURE_MODELS as readonly string[]).includes(model)) {
    problems.push({ key: 'texture_resolution', message: `${query.texture_resolution} textures are not available with ${model}` });
  }
  if (query.origin_at && !query.auto_size) {
    problems.push({ key: 'origin_at', message: 'only applies together with auto_size' });
  }
  if (query.should_remesh === false && (query.target_polycount !== undefined || query.topology !== undefined) && modelType === 'standard') {
    problems.push({ key: 'should_remesh', message: 'target_polycount and topology only apply when should_remesh is true' });
  }
  return problems;
}

/**
 * The geometry fields of a text/image/multi-image to 3D request, leaving out every value that equals
 * Meshy's default (so equal requests have equal keys) and pinning `latest` to today's model.
 */
export function geometryFields(
  query: GenerationQuery & { decimation_mode?: number | undefined; symmetry_mode?: string | undefined; pose_mode?: string | undefined },
): Record<string, string | number | boolean> {
  const modelType = query.model_type ?? (query.ai_model && isSmartTopologyModel(query.ai_model) ? 'smart-topology' : 'standard');
  const model = pinModel(query.ai_model, modelType);
  const preview: Record<string, string | number | boolean> = { ai_model: model };
  if (modelType === 'smart-topology') {
    preview.model_type = 'smart-topology';
    const range = polycountRange(model as SmartTopologyModel);
    if (query.target_polycount !== undefined && query.target_polycount !== range.fallback) preview.target_polycount = query.target_polycount;
  } else {
    // A budget or topology only takes effect with remeshing, which Meshy 6+ leaves off by default:
    // asking for one is asking for remeshing.
    const asksForRemesh = query.target_polycount !== undefined || query.topology !== undefined || query.decimation_mode !== undefined;
    const remesh = query.should_remesh ?? (asksForRemesh || remeshesByDefault(model as StandardModel));
    if (remesh !== remeshesByDefault(model as StandardModel)) preview.should_remesh = remesh;
    if (remesh) {
      if (query.topology === 'quad') preview.topology = 'quad';
      if (query.target_polycount !== undefined && query.target_polycount !== POLYCOUNT.standard.fallback) preview.target_polycount = query.target_polycount;
      if (query.decimation_mode !== undefined) preview.decimation_mode = query.decimation_mode;
    }
    if (query.geometry_resolution && query.geometry_resolution !== 'standard') preview.geometry_resolution = query.geometry_resolution;
  }
  if (query.symmetry_mode && query.symmetry_mode !== 'auto') preview.symmetry_mode = query.symmetry_mode;
  if (query.pose_mode) preview.pose_mode = query.pose_mode;
  return preview;
}
