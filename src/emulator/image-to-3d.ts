import { z } from 'zod';
import { geometryFields, resolveGeometry } from './geometry-request.js';
import { type ImageModelOutput, imageModelAsset, imageModelOutputs, imageModelPrice, presentImageModel, sampleImageModel } from './image-model.js';
import {
  DEFAULT_FORMATS,
  MAX_PROMPT_LENGTH,
  optional,
  outputFields,
  rejectRetiredModel,
  resolveTextureResolution,
  textureResolution,
} from './request-fields.js';
import { type EmulatedResource, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { chainedTask, checkImageUrl } from './sources.js';
import type { Task } from './tasks.js';
import { parseBody, reject } from './validation.js';

/** Image to 3D (https://docs.meshy.ai/en/api/image-to-3d): one image, from a URL, a data URI or a text/image-to-image task. */
const IMAGE_TO_3D_PATH = '/openapi/v1/image-to-3d';

/** https://docs.meshy.ai/en/api/image-to-3d: the image tasks an `input_task_id` may name. */
export const IMAGE_TASK_TYPES = ['text-to-image', 'image-to-image'];

/** Texture options image and multi-image to 3D share (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/multi-image-to-3d). */
export const texturingFields = {
  should_texture: optional(z.boolean()),
  enable_pbr: optional(z.boolean()),
  texture_resolution: optional(textureResolution),
  hd_texture: optional(z.boolean()),
  texture_prompt: optional(z.string().max(MAX_PROMPT_LENGTH)),
  texture_image_url: optional(z.string()),
  save_pre_remeshed_model: optional(z.boolean()),
  image_enhancement: optional(z.boolean()),
  remove_lighting: optional(z.boolean()),
  multi_view_thumbnails: optional(z.boolean()),
  ...outputFields,
};

const schema = z.object({
  input_task_id: optional(z.string()),
  image_url: optional(z.string()),
  ...geometryFields,
  ...texturingFields,
});

interface ImageTo3dInput {
  echo: { texture_prompt: string; texture_image_url: string; ultra_mode?: boolean };
  output: ImageModelOutput;
}

export const imageTo3d: EmulatedResource = {
  path: IMAGE_TO_3D_PATH,
  plan: (body, context) => planImageTo3d(body, context),
  present(task, context) {
    const { echo, output } = inputOf(task);
    return {
      id: task.id,
      type: task.type,
      ...presentImageModel(output, context),
      texture_prompt: echo.texture_prompt,
      texture_image_url: echo.texture_image_url,
      ...(echo.ultra_mode === undefined ? {} : { ultra_mode: echo.ultra_mode }),
      ...lifecycleFields(task, context),
    };
  },
  sample: (input) => sampleImageModel(input as { output: ImageModelOutput }),
  asset: (task, file, profile) => imageModelAsset(task, inputOf(task).output, file, profile),
  outputs: (task, profile) => imageModelOutputs(task, inputOf(task).output, profile),
};

function planImageTo3d(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  rejectRetiredModel(body.ai_model, context.now);
  const fields = parseBody(schema, body);
  const imagePrompt = singleImage(fields, context);
  const geometry = resolveGeometry(fields);
  const texturing = resolveTexturing(fields, geometry.model);
  const output: ImageModelOutput = {
    prompt: imagePrompt,
    texturePrompt: texturing.texturePrompt,
    triangles: geometry.triangles,
    ...texturing.output,
    formats: fields.target_formats ?? DEFAULT_FORMATS,
    alphaThumbnail: fields.alpha_thumbnail ?? false,
    multiViewThumbnails: fields.multi_view_thumbnails ?? false,
    preRemeshed: (fields.save_pre_remeshed_model ?? false) && geometry.remeshed,
  };
  const echo = {
    texture_prompt: fields.texture_prompt ?? '',
    texture_image_url: fields.texture_image_url ?? '',
    ...(fields.ultra_mode === undefined ? {} : { ultra_mode: fields.ultra_mode }),
  };
  return {
    type: 'image-to-3d',
    credits: imageModelPrice({ ...geometry, textured: output.textured, textureResolution: output.textureResolution }),
    seed: seedOf('image-to-3d', body),
    input: { echo, output } satisfies ImageTo3dInput,
    prompt: imagePrompt,
    texturePrompt: echo.texture_prompt,
  };
}

/** https://docs.meshy.ai/en/api/image-to-3d: `input_task_id` wins over `image_url`; its task must have made exactly one image. */
function singleImage(fields: { input_task_id?: string; image_url?: string }, context: PlanContext): string {
  if (fields.input_task_id !== undefined) {
    const task = chainedTask('input_task_id', fields.input_task_id, context, IMAGE_TASK_TYPES);
    const outputs = context.outputsOf(task);
    if (outputs.imageCount !== 1) reject(`input_task_id must name a task that made exactly one image; ${task.id} made ${outputs.imageCount ?? 0}`);
    return outputs.prompt;
  }
  if (fields.image_url === undefined || fields.image_url === '') reject('image_url or input_task_id is required');
  return checkImageUrl('image_url', fields.image_url);
}

type TexturingFields = z.output<z.ZodObject<typeof texturingFields>>;

/** Texturing rules image and multi-image to 3D share (https://docs.meshy.ai/en/api/image-to-3d): PBR needs textures, 4k/8k need a model that has them. */
export function resolveTexturing(fields: TexturingFields, model: string, imagePrompt = '') {
  const textured = fields.should_texture ?? true;
  if (fields.enable_pbr && !textured) reject('enable_pbr needs should_texture: true (PBR maps are textures)');
  const resolution = resolveTextureResolution(fields, model);
  if (fields.texture_image_url) checkImageUrl('texture_image_url', fields.texture_image_url);
  const pbr = textured && (fields.enable_pbr ?? false);
  return {
    // https://docs.meshy.ai/en/api/image-to-3d: with both, the texture prompt wins over the texture image.
    texturePrompt: fields.texture_prompt || fields.texture_image_url || imagePrompt,
    output: { textured, textureResolution: resolution, pbr, emission: pbr && model === 'meshy-6' && resolution !== '8k' },
  };
}

function inputOf(task: Task): ImageTo3dInput {
  return task.input as ImageTo3dInput;
}
