import { z } from 'zod';
import { budget, LATEST_MODEL, optional, SMART_TOPOLOGY_MODELS, STANDARD_MODELS } from './request-fields.js';
import { reject } from './validation.js';

/**
 * The geometry options text to 3D previews and image/multi-image to 3D share
 * (https://docs.meshy.ai/en/api/text-to-3d, https://docs.meshy.ai/en/api/image-to-3d,
 * https://docs.meshy.ai/en/api/multi-image-to-3d):
 * model, model type, resolution, remeshing and the triangle budget.
 */

/** Triangle budgets: default and range of `target_polycount` per model (https://docs.meshy.ai/en/api/text-to-3d). */
const POLYCOUNT = {
  standard: { min: 100, max: 300_000, fallback: 30_000 },
  'meshy-t2': { min: 100, max: 15_000, fallback: 4_000 },
  'meshy-t2.5': { min: 100, max: 30_000, fallback: 15_000 },
} as const;

/**
 * `decimation_mode` 1 ultra … 4 low: "adaptive", with no documented face counts. The emulator
 * picks fixed budgets in that spirit.
 */
export const DECIMATION_TRIANGLES: Record<number, number> = { 1: 150_000, 2: 60_000, 3: 20_000, 4: 6_000 };
/** Deprecated `lowpoly` ignores the budget fields; its size is undocumented. */
const LOWPOLY_TRIANGLES = 3_000;

export type ModelType = 'standard' | 'smart-topology' | 'lowpoly';

export const geometryFields = {
  model_type: optional(z.enum(['standard', 'smart-topology', 'lowpoly'])),
  ai_model: optional(z.enum([...STANDARD_MODELS, ...SMART_TOPOLOGY_MODELS, 'latest'])),
  geometry_resolution: optional(z.enum(['standard', '2k', '4k'])),
  ultra_mode: optional(z.boolean()),
  should_remesh: optional(z.boolean()),
  topology: optional(z.enum(['quad', 'triangle'])),
  target_polycount: optional(z.int()),
  decimation_mode: optional(z.int().min(1).max(4)),
  symmetry_mode: optional(z.enum(['off', 'auto', 'on'])),
  pose_mode: optional(z.enum(['a-pose', 't-pose', ''])),
  is_a_t_pose: optional(z.boolean()),
};

export type GeometryFields = { [K in keyof typeof geometryFields]: z.output<(typeof geometryFields)[K]> };

export interface Geometry {
  modelType: ModelType;
  /** `latest` pinned; `lowpoly` for the lowpoly model type. */
  model: string;
  geometryResolution: 'standard' | '2k' | '4k';
  triangles: number;
  /** Whether the result was remeshed (the budget applied). */
  remeshed: boolean;
}

export interface GeometryRules {
  /** Models that skip remeshing unless asked (Jan 22 2026). */
  remeshOffByDefault: readonly string[];
}

/** https://docs.meshy.ai/en/api/changelog: Meshy 6 and later skip remeshing by default for text and image to 3D. */
const REMESH_OFF_BY_DEFAULT = ['meshy-6', 'meshy-7', 'meshy-7.1'];

export function resolveGeometry(fields: GeometryFields, rules: GeometryRules = { remeshOffByDefault: REMESH_OFF_BY_DEFAULT }): Geometry {
  const modelType = fields.model_type ?? 'standard';
  if (modelType === 'lowpoly') {
    // https://docs.meshy.ai/en/api/text-to-3d: lowpoly ignores ai_model, topology, target_polycount and should_remesh.
    return { modelType, model: 'lowpoly', geometryResolution: 'standard', triangles: LOWPOLY_TRIANGLES, remeshed: true };
  }

  if (modelType === 'smart-topology') {
    const model = fields.ai_model === undefined || fields.ai_model === 'latest' ? 'meshy-t2' : fields.ai_model;
    if (model !== 'meshy-t2' && model !== 'meshy-t2.5') {
      reject(`ai_model ${model} is not a Smart Topology model: use ${SMART_TOPOLOGY_MODELS.join(' or ')} with model_type "smart-topology"`);
    }
    if (fields.topology === 'quad') reject('topology "quad" is not available with model_type "smart-topology" (triangles only)');
    if (fields.geometry_resolution && fields.geometry_resolution !== 'standard') {
      reject(`geometry_resolution "${fields.geometry_resolution}" needs model_type "standard"`);
    }
    if (fields.ultra_mode) reject('ultra_mode needs model_type "standard" with meshy-7 or latest');
    const triangles = budget(fields.target_polycount, POLYCOUNT[model], model) ?? POLYCOUNT[model].fallback;
    return { modelType, model, geometryResolution: 'standard', triangles, remeshed: true };
  }

  const model = fields.ai_model === undefined || fields.ai_model === 'latest' ? LATEST_MODEL : fields.ai_model;
  if (model === 'meshy-t2' || model === 'meshy-t2.5') reject(`ai_model ${model} needs model_type "smart-topology"`);
  // ultra_mode is the deprecated spelling of geometry_resolution "2k" (https://docs.meshy.ai/en/api/text-to-3d).
  const geometryResolution = fields.geometry_resolution ?? (fields.ultra_mode ? '2k' : 'standard');
  if (geometryResolution === '2k' && model !== 'meshy-7' && model !== 'meshy-7.1') {
    reject(`${fields.geometry_resolution ? 'geometry_resolution "2k"' : 'ultra_mode'} needs ai_model meshy-7, meshy-7.1 or latest (got ${model})`);
  }
  if (geometryResolution === '4k' && model !== 'meshy-7.1') reject(`geometry_resolution "4k" needs ai_model meshy-7.1 or latest (got ${model})`);
  const requested = budget(fields.target_polycount, POLYCOUNT.standard, model);
  const remeshed = fields.should_remesh ?? !rules.remeshOffByDefault.includes(model);
  const decimated = fields.decimation_mode === undefined ? undefined : DECIMATION_TRIANGLES[fields.decimation_mode];
  const triangles = remeshed ? (decimated ?? requested ?? POLYCOUNT.standard.fallback) : POLYCOUNT.standard.fallback;
  return { modelType, model, geometryResolution, triangles, remeshed };
}
