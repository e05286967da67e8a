import { z } from 'zod';
import { generateTexture } from './glb/index.js';
import type { TextureResolution } from './glb/profiles.js';
import { profileTextureSize } from './glb/profiles.js';
import { retextureGlb } from './glb/retexture.js';
import { inputGlb, type ModelInput, resolveModelInput, sampleModelInput, thumbnailOf } from './model-input.js';
import { ALPHA_THUMBNAIL, MODEL_GLB, modelFiles, placeholder, source, THUMBNAIL, textureFiles, urlsOf } from './outputs.js';
import {
  DEFAULT_FORMATS,
  FORMATS,
  type Format,
  LATEST_MODEL,
  optional,
  prompt,
  rejectRetiredModel,
  resolveTextureResolution,
  textureResolution,
} from './request-fields.js';
import { type EmulatedResource, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { checkImageUrl, MODEL_FORMATS } from './sources.js';
import type { Task, TaskError } from './tasks.js';
import { SAMPLE_PROMPT } from './test-mode.js';
import { parseBody, reject } from './validation.js';

/** Retexture (https://docs.meshy.ai/en/api/retexture): new textures on a model, guided by a text or image style. */
const RETEXTURE_PATH = '/openapi/v1/retexture';

/** https://docs.meshy.ai/en/api/retexture: the tasks an input_task_id may name. */
const INPUT_TYPES = ['text-to-3d-preview', 'text-to-3d-refine', 'image-to-3d', 'remesh'];
/** https://docs.meshy.ai/en/api/retexture lists 600 characters for the style prompt. */
const MAX_STYLE_PROMPT = 600;

const schema = z.object({
  input_task_id: optional(z.string()),
  model_url: optional(z.string()),
  text_style_prompt: optional(prompt(MAX_STYLE_PROMPT)),
  image_style_url: optional(z.string()),
  multiview_image_urls: optional(z.array(z.string())),
  // https://docs.meshy.ai/en/api/retexture: meshy-7.1 is "likely" accepted; the emulator accepts it.
  ai_model: optional(z.enum(['meshy-5', 'meshy-6', 'meshy-7', 'meshy-7.1', 'latest'])),
  enable_original_uv: optional(z.boolean()),
  enable_pbr: optional(z.boolean()),
  texture_resolution: optional(textureResolution),
  hd_texture: optional(z.boolean()),
  remove_lighting: optional(z.boolean()),
  target_formats: optional(z.array(z.enum(FORMATS))),
  alpha_thumbnail: optional(z.boolean()),
});

interface RetextureInput {
  source: ModelInput;
  echo: { text_style_prompt: string; image_style_url: string; multiview_image_urls?: string[] };
  /** What seeds the new textures. */
  style: string;
  keepUvs: boolean;
  textureResolution: TextureResolution;
  pbr: boolean;
  emission: boolean;
  formats: readonly Format[];
  alphaThumbnail: boolean;
}

export const retexture: EmulatedResource = {
  path: RETEXTURE_PATH,
  plan: (body, context) => planRetexture(body, context),

  present(task, context) {
    const input = inputOf(task);
    const done = context.snapshot.status === 'SUCCEEDED';
    const url = context.assetUrl;
    return {
      id: task.id,
      type: task.type,
      model_urls: done ? urlsOf(modelFiles(input.formats, true), url) : {},
      ...input.echo,
      // Seen in the docs' example (https://docs.meshy.ai/en/api/retexture): the style image, '' without one.
      texture_image_url: input.echo.image_style_url,
      thumbnail_url: done ? url(THUMBNAIL) : '',
      ...(done && input.alphaThumbnail ? { alpha_thumbnail_url: url(ALPHA_THUMBNAIL) } : {}),
      texture_urls: done ? [urlsOf(textureFiles(input), url)] : [],
      ...lifecycleFields(task, context),
    };
  },

  sample: (input) => ({
    ...(input as RetextureInput),
    source: sampleModelInput(),
    style: SAMPLE_PROMPT,
    keepUvs: false,
    textureResolution: '2k',
    pbr: true,
    emission: false,
  }),

  asset(task, file, profile) {
    const input = inputOf(task);
    const textureSize = profileTextureSize(profile, input.textureResolution);
    const request = { seed: task.seed, style: input.style, textureSize, pbr: input.pbr, keepUvs: input.keepUvs };
    const glb = source(['retexture', task.id, profile], async (load) => retextureGlb(await inputGlb(input.source.model, profile, load), request));
    if (file === MODEL_GLB) return glb;
    if (file === THUMBNAIL || (file === ALPHA_THUMBNAIL && input.alphaThumbnail)) {
      return source([file, task.id, profile], async (load) => thumbnailOf(await load(glb), input.style, profile, file === ALPHA_THUMBNAIL));
    }
    const map = textureFiles(input).find(([, name]) => name === file)?.[0];
    if (map) {
      // The same seed and style as the GLB's own textures, so the files match them.
      const texture = { seed: task.seed, prompt: input.style, texturePrompt: input.style, textureSize };
      return source([file, texture], () => generateTexture(texture, map));
    }
    if (modelFiles(input.formats, true).some(([, name]) => name === file)) return placeholder(file);
    return undefined;
  },

  outputs(task, profile) {
    const input = inputOf(task);
    return {
      prompt: input.source.prompt,
      model: { ...input.source.model, glb: retexture.asset(task, MODEL_GLB, profile), textured: true, hasUvs: true, seed: task.seed },
    };
  },
};

function planRetexture(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  rejectRetiredModel(body.ai_model, context.now);
  const fields = parseBody(schema, body);
  const source = resolveModelInput(fields, context, { taskTypes: INPUT_TYPES, formats: MODEL_FORMATS });
  const style = resolveStyle(fields);
  const model = fields.ai_model === undefined || fields.ai_model === 'latest' ? LATEST_MODEL : fields.ai_model;
  const resolution = resolveTextureResolution(fields, model);
  const pbr = fields.enable_pbr ?? false;
  const keepUvs = fields.enable_original_uv ?? false;
  const input: RetextureInput = {
    source,
    echo: {
      text_style_prompt: fields.text_style_prompt ?? '',
      image_style_url: fields.image_style_url ?? '',
      ...(fields.multiview_image_urls ? { multiview_image_urls: fields.multiview_image_urls } : {}),
    },
    style,
    keepUvs,
    textureResolution: resolution,
    pbr,
    emission: pbr && model === 'meshy-6' && resolution !== '8k',
    formats: fields.target_formats ?? DEFAULT_FORMATS,
    alphaThumbnail: fields.alpha_thumbnail ?? false,
  };
  const failure = source.failure ?? (keepUvs && (!source.model.hasUvs || source.uploadFormat === 'stl') ? MISSING_UV : undefined);
  return {
    type: 'retexture',
    // https://docs.meshy.ai/en/api/pricing: 10 credits, 15 with 8k textures.
    credits: resolution === '8k' ? 15 : 10,
    seed: seedOf('retexture', body),
    input,
    prompt: source.prompt,
    texturePrompt: fields.text_style_prompt ?? '',
    ...(failure ? { failure: { error: failure } } : {}),
  };
}

/**
 * https://docs.meshy.ai/en/api/retexture: one style is needed; text and image together → the image wins; multi-view images go alone
 * and need an explicit `ai_model: "meshy-7"` (Aug 12 2026).
 */
function resolveStyle(fields: z.output<typeof schema>): string {
  const views = fields.multiview_image_urls;
  if (views !== undefined) {
    if (fields.text_style_prompt || fields.image_style_url) reject('multiview_image_urls cannot be combined with text_style_prompt or image_style_url');
    if (views.length < 1 || views.length > 4) reject(`multiview_image_urls must hold 1 to 4 images (got ${views.length})`);
    if (fields.ai_model !== 'meshy-7') reject(`multiview_image_urls needs ai_model "meshy-7" (got ${JSON.stringify(fields.ai_model ?? 'latest')})`);
    return views.map((url, index) => checkImageUrl(`multiview_image_urls[${index}]`, url))[0]!;
  }
  if (fields.image_style_url) return checkImageUrl('image_style_url', fields.image_style_url);
  if (fields.text_style_prompt) return fields.text_style_prompt;
  return reject('text_style_prompt, image_style_url or multiview_image_urls is required');
}

/** https://docs.meshy.ai/en/api/errors: `enable_original_uv` on a model without UVs (STL never has any). */
const MISSING_UV: TaskError = {
  type: 'invalid_input',
  code: 'model_missing_uv',
  message: 'The model has no UV coordinates; retry with enable_original_uv: false.',
  doc_url: 'https://docs.meshy.ai/en/api/errors#model-missing-uv',
};

function inputOf(task: Task): RetextureInput {
  return task.input as RetextureInput;
}
