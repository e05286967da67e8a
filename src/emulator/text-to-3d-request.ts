import { z } from 'zod';
import type { TextureResolution } from './glb/profiles.js';
import { ApiError } from './http.js';
import { UUID_PATTERN } from './ids.js';
import { snapshotAt, type Task } from './tasks.js';
import { parseBody, reject } from './validation.js';

/** Validation of `POST /openapi/v2/text-to-3d` bodies (§6.1.1, §6.1.2), as of October 2026. */

export const STANDARD_MODELS = ['meshy-5', 'meshy-6', 'meshy-6-lite', 'meshy-7', 'meshy-7.1'] as const;
export const SMART_TOPOLOGY_MODELS = ['meshy-t2', 'meshy-t2.5'] as const;
/** §6.0: `latest` means Meshy 7.1 since Sep/Oct 2026. */
const LATEST_MODEL = 'meshy-7.1';
/** §6.0: retired models are refused with a 400. */
const RETIRED_MODELS = ['meshy-3', 'meshy-4', 'meshy-t1'];

export const FORMATS = ['glb', 'obj', 'fbx', 'stl', 'usdz', '3mf'] as const;
export type Format = (typeof FORMATS)[number];
/** All formats except 3mf unless `target_formats` says otherwise. */
export const DEFAULT_FORMATS: readonly Format[] = ['glb', 'obj', 'fbx', 'stl', 'usdz'];

/** 600 in the Jun/Aug 2026 docs, 800 since Oct 2026: the newer, larger limit is accepted. */
export const MAX_PROMPT_LENGTH = 800;

/** Triangle budgets: default and range of `target_polycount` per model (§6.1.1). */
const POLYCOUNT = {
  standard: { min: 100, max: 300_000, fallback: 30_000 },
  'meshy-t2': { min: 100, max: 15_000, fallback: 4_000 },
  'meshy-t2.5': { min: 100, max: 30_000, fallback: 15_000 },
} as const;

/**
 * `decimation_mode` 1 ultra … 4 low: "adaptive", with no documented face counts. The emulator
 * picks fixed budgets in that spirit.
 */
const DECIMATION_TRIANGLES: Record<number, number> = { 1: 150_000, 2: 60_000, 3: 20_000, 4: 6_000 };
/** Deprecated `lowpoly` ignores the budget fields; its size is undocumented. */
const LOWPOLY_TRIANGLES = 3_000;

export type ModelType = 'standard' | 'smart-topology' | 'lowpoly';
export type { TextureResolution };

export interface PreviewRequest {
  prompt: string;
  modelType: ModelType;
  /** `latest` pinned; `lowpoly` for the lowpoly model type. */
  model: string;
  geometryResolution: 'standard' | '2k' | '4k';
  triangles: number;
  formats: Format[];
  alphaThumbnail: boolean;
  seed: number | undefined;
  artStyle: string;
  negativePrompt: string;
  ultraMode: boolean | undefined;
}

export interface RefineRequest {
  preview: Task;
  /** The texturing model: the one asked for, else the preview's (§6.1.2: omit to inherit). */
  model: string;
  textureResolution: TextureResolution;
  pbr: boolean;
  /** §6.1.4: Meshy 6 adds an emission map with PBR, except at 8k. */
  emission: boolean;
  texturePrompt: string;
  textureImageUrl: string;
  formats: Format[];
  alphaThumbnail: boolean;
}

// JSON null is taken as "not given", as most JSON APIs do.
const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

const prompt = (max: number) => z.string().max(max).refine((text) => text.trim() !== '', 'must not be empty');

const imageUrl = z
  .string()
  .refine(
    (url) => url === '' || /^https?:\/\/\S+$/i.test(url) || /^data:image\/(png|jpe?g);base64,/i.test(url),
    'must be an http(s) URL or a data:image/png|jpeg;base64 URI of a .jpg, .jpeg or .png image',
  );

const sharedFields = {
  target_formats: optional(z.array(z.enum(FORMATS))),
  moderation: optional(z.boolean()),
  alpha_thumbnail: optional(z.boolean()),
  auto_size: optional(z.boolean()),
  origin_at: optional(z.enum(['bottom', 'center'])),
};

const previewSchema = z.object({
  mode: z.literal('preview'),
  prompt: prompt(MAX_PROMPT_LENGTH),
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
  art_style: optional(z.enum(['realistic', 'sculpture'])),
  // Historic fields older clients still send; the task object echoes them (§6.1.1).
  seed: optional(z.int()),
  negative_prompt: optional(z.string()),
  ...sharedFields,
});

const refineSchema = z.object({
  mode: z.literal('refine'),
  preview_task_id: z.string().min(1),
  ai_model: optional(z.enum([...STANDARD_MODELS, 'latest'])),
  enable_pbr: optional(z.boolean()),
  texture_resolution: optional(z.enum(['2k', '4k', '8k'])),
  hd_texture: optional(z.boolean()),
  texture_prompt: optional(z.string().max(MAX_PROMPT_LENGTH)),
  texture_image_url: optional(imageUrl),
  remove_lighting: optional(z.boolean()),
  ...sharedFields,
});

export function requestMode(body: Record<string, unknown>): 'preview' | 'refine' {
  if (body.mode === undefined || body.mode === null) reject('mode is required: "preview" or "refine"');
  if (body.mode !== 'preview' && body.mode !== 'refine') reject(`mode must be one of "preview", "refine" (got ${JSON.stringify(body.mode)})`);
  return body.mode;
}

export function parsePreview(body: Record<string, unknown>): PreviewRequest {
  rejectRetiredModel(body.ai_model);
  const fields = parseBody(previewSchema, body);
  const modelType = fields.model_type ?? 'standard';
  const common = {
    prompt: fields.prompt,
    modelType,
    formats: fields.target_formats ?? [...DEFAULT_FORMATS],
    alphaThumbnail: fields.alpha_thumbnail ?? false,
    seed: fields.seed,
    artStyle: fields.art_style ?? '',
    negativePrompt: fields.negative_prompt ?? '',
    ultraMode: fields.ultra_mode,
  };

  if (modelType === 'lowpoly') {
    // §6.1.1: lowpoly ignores ai_model, topology, target_polycount and should_remesh.
    return { ...common, model: 'lowpoly', geometryResolution: 'standard', triangles: LOWPOLY_TRIANGLES };
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
    return { ...common, model, geometryResolution: 'standard', triangles };
  }

  const model = fields.ai_model === undefined || fields.ai_model === 'latest' ? LATEST_MODEL : fields.ai_model;
  if (model === 'meshy-t2' || model === 'meshy-t2.5') reject(`ai_model ${model} needs model_type "smart-topology"`);
  // ultra_mode is the deprecated spelling of geometry_resolution "2k" (§6.1.1).
  const geometryResolution = fields.geometry_resolution ?? (fields.ultra_mode ? '2k' : 'standard');
  if (geometryResolution === '2k' && model !== 'meshy-7' && model !== 'meshy-7.1') {
    reject(`${fields.geometry_resolution ? 'geometry_resolution "2k"' : 'ultra_mode'} needs ai_model meshy-7, meshy-7.1 or latest (got ${model})`);
  }
  if (geometryResolution === '4k' && model !== 'meshy-7.1') reject(`geometry_resolution "4k" needs ai_model meshy-7.1 or latest (got ${model})`);
  const requested = budget(fields.target_polycount, POLYCOUNT.standard, model);
  // Jan 22 2026: Meshy 6 and later skip remeshing unless asked; the budget only applies with it.
  const remesh = fields.should_remesh ?? !['meshy-6', 'meshy-7', 'meshy-7.1'].includes(model);
  const decimated = fields.decimation_mode === undefined ? undefined : DECIMATION_TRIANGLES[fields.decimation_mode];
  const triangles = remesh ? (decimated ?? requested ?? POLYCOUNT.standard.fallback) : POLYCOUNT.standard.fallback;
  return { ...common, model, geometryResolution, triangles };
}

export function parseRefine(body: Record<string, unknown>, findTask: (id: string) => Task | undefined, now: number): RefineRequest {
  rejectRetiredModel(body.ai_model);
  if (typeof body.ai_model === 'string' && (SMART_TOPOLOGY_MODELS as readonly string[]).includes(body.ai_model)) {
    reject(`ai_model ${body.ai_model} is a Smart Topology model, which only makes previews; refine with ${STANDARD_MODELS.join(', ')} or latest`);
  }
  const fields = parseBody(refineSchema, body);
  const preview = findPreview(fields.preview_task_id, findTask, now);
  const previewModel = (preview.input as { model: string }).model;
  const previewIsStandard = (STANDARD_MODELS as readonly string[]).includes(previewModel);
  const asked = fields.ai_model === 'latest' ? LATEST_MODEL : fields.ai_model;
  // Which models count as "incompatible" is undocumented: the emulator wants the preview's own.
  if (asked && previewIsStandard && asked !== previewModel) {
    reject(`ai_model ${asked} does not match the preview task's model ${previewModel}; leave ai_model out to use the preview's`);
  }
  // Smart Topology and lowpoly previews are textured with the latest model.
  const model = asked ?? (previewIsStandard ? previewModel : LATEST_MODEL);
  // hd_texture is the deprecated spelling of texture_resolution "4k" (§6.1.2).
  const textureResolution = fields.texture_resolution ?? (fields.hd_texture ? '4k' : '2k');
  if (textureResolution !== '2k' && (model === 'meshy-5' || model === 'meshy-6-lite')) {
    reject(`texture_resolution "${textureResolution}" needs ai_model meshy-6, meshy-7, meshy-7.1 or latest (this refine uses ${model})`);
  }
  const pbr = fields.enable_pbr ?? false;
  return {
    preview,
    model,
    textureResolution,
    pbr,
    emission: pbr && model === 'meshy-6' && textureResolution !== '8k',
    texturePrompt: fields.texture_prompt ?? '',
    textureImageUrl: fields.texture_image_url ?? '',
    formats: fields.target_formats ?? [...DEFAULT_FORMATS],
    alphaThumbnail: fields.alpha_thumbnail ?? false,
  };
}

/** §6.1.2: 404 when the preview does not exist; 400 when it is malformed, not a preview, or not ready. */
function findPreview(id: string, findTask: (id: string) => Task | undefined, now: number): Task {
  if (!UUID_PATTERN.test(id)) reject(`preview_task_id is not a valid task id (got ${JSON.stringify(id)})`);
  const task = findTask(id);
  if (!task) throw new ApiError(404, `Preview task not found: ${id}`);
  if (task.type !== 'text-to-3d-preview') reject(`preview_task_id must name a preview task; ${id} is a ${task.type} task`);
  const { status, expiresAt } = snapshotAt(task, now);
  if (status !== 'SUCCEEDED') reject(`preview task ${id} is ${status}; only a SUCCEEDED preview can be refined`);
  if (now >= expiresAt) reject(`preview task ${id} has expired; its results were deleted after the retention period`);
  return task;
}

function budget(value: number | undefined, range: { min: number; max: number }, model: string): number | undefined {
  if (value !== undefined && (value < range.min || value > range.max)) {
    reject(`target_polycount must be from ${range.min} to ${range.max} for ${model} (got ${value})`);
  }
  return value;
}

function rejectRetiredModel(model: unknown): void {
  if (typeof model === 'string' && RETIRED_MODELS.includes(model)) {
    reject(`ai_model ${model} has been retired; use one of ${[...STANDARD_MODELS, 'latest'].join(', ')}`);
  }
}
