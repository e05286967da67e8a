import { z } from 'zod';
import { geometryFields, resolveGeometry } from './geometry-request.js';
import { type ImageModelOutput, imageModelAsset, imageModelOutputs, imageModelPrice, presentImageModel, sampleImageModel } from './image-model.js';
import { IMAGE_TASK_TYPES, resolveTexturing, texturingFields } from './image-to-3d.js';
import { DEFAULT_FORMATS, optional, rejectRetiredModel, STANDARD_MODELS } from './request-fields.js';
import { type EmulatedResource, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { chainedTask, checkImageUrl } from './sources.js';
import type { Task } from './tasks.js';
import { parseBody, reject } from './validation.js';

/** Multi-Image to 3D (https://docs.meshy.ai/en/api/multi-image-to-3d): 1–4 views of one object. */
const MULTI_IMAGE_TO_3D_PATH = '/openapi/v1/multi-image-to-3d';

/** https://docs.meshy.ai/en/api/multi-image-to-3d: no Smart Topology here, and no 4k geometry. */
const schema = z.object({
  input_task_id: optional(z.string()),
  image_urls: optional(z.array(z.string())),
  texture_image_urls: optional(z.array(z.string())),
  ...geometryFields,
  model_type: optional(z.literal('standard')),
  ai_model: optional(z.enum([...STANDARD_MODELS, 'latest'])),
  geometry_resolution: optional(z.enum(['standard', '2k'])),
  ...texturingFields,
});

/** https://docs.meshy.ai/en/api/multi-image-to-3d (Aug 18 2026): multi-view texture guides need Meshy 7 or newer. */
const MULTI_VIEW_TEXTURE_MODELS = ['meshy-7', 'meshy-7.1'];

interface MultiImageInput {
  echo: { texture_prompt: string; texture_image_url: string; texture_image_urls: string[]; ultra_mode?: boolean };
  output: ImageModelOutput;
}

export const multiImageTo3d: EmulatedResource = {
  path: MULTI_IMAGE_TO_3D_PATH,
  plan: (body, context) => planMultiImage(body, context),
  present(task, context) {
    const { echo, output } = inputOf(task);
    return {
      id: task.id,
      type: task.type,
      ...presentImageModel(output, context),
      texture_prompt: echo.texture_prompt,
      texture_image_url: echo.texture_image_url,
      texture_image_urls: echo.texture_image_urls,
      ...(echo.ultra_mode === undefined ? {} : { ultra_mode: echo.ultra_mode }),
      ...lifecycleFields(task, context),
    };
  },
  sample: (input) => sampleImageModel(input as { output: ImageModelOutput }),
  asset: (task, file, profile) => imageModelAsset(task, inputOf(task).output, file, profile),
  outputs: (task, profile) => imageModelOutputs(task, inputOf(task).output, profile),
};

function planMultiImage(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  rejectRetiredModel(body.ai_model, context.now);
  const fields = parseBody(schema, body);
  const imagePrompt = images(fields, context);
  // https://docs.meshy.ai/en/api/multi-image-to-3d states should_remesh defaults to false for meshy-6 only (text/image to 3D: Meshy 6 and later).
  const geometry = resolveGeometry(fields, { remeshOffByDefault: ['meshy-6'] });
  const textureImages = fields.texture_image_urls ?? [];
  if (textureImages.length > 0) {
    if (textureImages.length > 4) reject(`texture_image_urls must hold 1 to 4 images (got ${textureImages.length})`);
    if (fields.texture_prompt || fields.texture_image_url) reject('texture_image_urls cannot be combined with texture_prompt or texture_image_url');
    if (!MULTI_VIEW_TEXTURE_MODELS.includes(geometry.model)) reject(`texture_image_urls needs ai_model meshy-7, meshy-7.1 or latest (got ${geometry.model})`);
    for (const [index, url] of textureImages.entries()) checkImageUrl(`texture_image_urls[${index}]`, url);
  }
  const texturing = resolveTexturing(fields, geometry.model, textureImages[0] ?? '');
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
    texture_image_urls: textureImages,
    ...(fields.ultra_mode === undefined ? {} : { ultra_mode: fields.ultra_mode }),
  };
  return {
    type: 'multi-image-to-3d',
    // https://docs.meshy.ai/en/api/pricing: the image to 3D schedule.
    credits: imageModelPrice({ ...geometry, textured: output.textured, textureResolution: output.textureResolution }),
    seed: seedOf('multi-image-to-3d', body),
    input: { echo, output } satisfies MultiImageInput,
    prompt: imagePrompt,
    texturePrompt: echo.texture_prompt,
  };
}

/** https://docs.meshy.ai/en/api/multi-image-to-3d: `input_task_id` wins (multi-view image tasks included); else 1–4 `image_urls`, the first the front view. */
function images(fields: { input_task_id?: string; image_urls?: string[] }, context: PlanContext): string {
  if (fields.input_task_id !== undefined) {
    return context.outputsOf(chainedTask('input_task_id', fields.input_task_id, context, IMAGE_TASK_TYPES)).prompt;
  }
  const urls = fields.image_urls;
  if (urls === undefined) reject('image_urls or input_task_id is required');
  if (urls.length < 1 || urls.length > 4) reject(`image_urls must hold 1 to 4 images (got ${urls.length})`);
  return urls.map((url, index) => checkImageUrl(`image_urls[${index}]`, url))[0]!;
}

function inputOf(task: Task): MultiImageInput {
  return task.input as MultiImageInput;
}
