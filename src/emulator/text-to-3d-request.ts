import { z } from 'zod';
import { geometryFields, type ModelType, resolveGeometry } from './geometry-request.js';
import type { TextureResolution } from './glb/profiles.js';
import { ApiError } from './http.js';
import { UUID_PATTERN } from './ids.js';
import {
  DEFAULT_FORMATS,
  type Format,
  imageUrl,
  LATEST_MODEL,
  MAX_PROMPT_LENGTH,
  optional,
  outputFields,
  prompt,
  rejectRetiredModel,
  resolveTextureResolution,
  SMART_TOPOLOGY_MODELS,
  STANDARD_MODELS,
  textureResolution,
} from './request-fields.js';
import { snapshotAt, type Task } from './tasks.js';
import { parseBody, reject } from './validation.js';

/** Validation of `POST /openapi/v2/text-to-3d` bodies (https://docs.meshy.ai/en/api/text-to-3d), as of October 2026. */

export { DEFAULT_FORMATS, type Format } from './request-fields.js';

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
  /** The texturing model: the one asked for, else the preview's (https://docs.meshy.ai/en/api/text-to-3d: omit to inherit). */
  model: string;
  textureResolution: TextureResolution;
  pbr: boolean;
  /** https://docs.meshy.ai/en/api/text-to-3d: Meshy 6 adds an emission map with PBR, except at 8k. */
  emission: boolean;
  texturePrompt: string;
  textureImageUrl: string;
  formats: Format[];
  alphaThumbnail: boolean;
}

const previewSchema = z.object({
  mode: z.literal('preview'),
  prompt: prompt(MAX_PROMPT_LENGTH),
  ...geometryFields,
  art_style: optional(z.enum(['realistic', 'sculpture'])),
  // Historic fields older clients still send; the task object echoes them (https://docs.meshy.ai/en/api/text-to-3d).
  seed: optional(z.int()),
  negative_prompt: optional(z.string()),
  ...outputFields,
});

const refineSchema = z.object({
  mode: z.literal('refine'),
  preview_task_id: z.string().min(1),
  ai_model: optional(z.enum([...STANDARD_MODELS, 'latest'])),
  enable_pbr: optional(z.boolean()),
  texture_resolution: optional(textureResolution),
  hd_texture: optional(z.boolean()),
  texture_prompt: optional(z.string().max(MAX_PROMPT_LENGTH)),
  texture_image_url: optional(imageUrl),
  remove_lighting: optional(z.boolean()),
  ...outputFields,
});

export function requestMode(body: Record<string, unknown>): 'preview' | 'refine' {
  if (body.mode === undefined || body.mode === null) reject('mode is required: "preview" or "refine"');
  if (body.mode !== 'preview' && body.mode !== 'refine') reject(`mode must be one of "preview", "refine" (got ${JSON.stringify(body.mode)})`);
  return body.mode;
}

export function parsePreview(body: Record<string, unknown>, now: number): PreviewRequest {
  rejectRetiredModel(body.ai_model, now);
  const fields = parseBody(previewSchema, body);
  const { modelType, model, geometryResolution, triangles } = resolveGeometry(fields);
  return {
    prompt: fields.prompt,
    modelType,
    model,
    geometryResolution,
    triangles,
    formats: fields.target_formats ?? [...DEFAULT_FORMATS],
    alphaThumbnail: fields.alpha_thumbnail ?? false,
    seed: fields.seed,
    artStyle: fields.art_style ?? '',
    negativePrompt: fields.negative_prompt ?? '',
    ultraMode: fields.ultra_mode,
  };
}

export function parseRefine(body: Record<string, unknown>, findTask: (id: string) => Task | undefined, now: number): RefineRequest {
  rejectRetiredModel(body.ai_model, now);
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
  const textureResolution = resolveTextureResolution(fields, model);
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

/** https://docs.meshy.ai/en/api/text-to-3d: 404 when the preview does not exist; 400 when it is malformed, not a preview, or not ready. */
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
