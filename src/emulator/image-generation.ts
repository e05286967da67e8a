import { z } from 'zod';
import { generateImage } from './glb/images.js';
import { profileImageSize } from './glb/profiles.js';
import { source } from './outputs.js';
import { optional, prompt } from './request-fields.js';
import { type EmulatedResource, lifecycleFields, seedOf, type TaskPlan } from './resource.js';
import type { Task } from './tasks.js';
import { SAMPLE_PROMPT } from './test-mode.js';
import { reject } from './validation.js';

/**
 * What text to image and image to image share (https://docs.meshy.ai/en/api/text-to-image,
 * https://docs.meshy.ai/en/api/image-to-image): models, aspect ratios, the PNG results.
 */

const IMAGE_MODELS = ['nano-banana', 'nano-banana-2', 'nano-banana-pro', 'gpt-image-2'] as const;
export type ImageModel = (typeof IMAGE_MODELS)[number];

/**
 * https://docs.meshy.ai/en/api/text-to-image: the ratios each model family offers. Pixel sizes are undocumented: these are the sizes those
 * models are known to produce at each ratio.
 */
const SIZES: Record<'nano' | 'gpt', Record<string, { width: number; height: number }>> = {
  nano: {
    '1:1': { width: 1024, height: 1024 },
    '16:9': { width: 1344, height: 768 },
    '9:16': { width: 768, height: 1344 },
    '4:3': { width: 1184, height: 864 },
    '3:4': { width: 864, height: 1184 },
  },
  gpt: {
    '1:1': { width: 1024, height: 1024 },
    '3:2': { width: 1536, height: 1024 },
    '2:3': { width: 1024, height: 1536 },
  },
};

/** Multi-view sets show the object from the front, the side and the back (count per https://docs.meshy.ai/en/api/text-to-image; angles undocumented). */
const VIEW_YAWS = [0, 90, 180];

export const imageFields = {
  ai_model: z.enum(IMAGE_MODELS),
  // : no documented prompt limit for the image endpoints.
  prompt: prompt(Infinity),
  generate_multi_view: optional(z.boolean()),
  pose_mode: optional(z.enum(['a-pose', 't-pose'])),
  aspect_ratio: optional(z.string()),
  remove_background: optional(z.boolean()),
};

export interface ImageOutput {
  model: ImageModel;
  /** Echoed as sent. */
  prompt: string;
  /** What the pictures show: the prompt, or the test-mode sample. */
  look: string;
  size: { width: number; height: number };
  count: number;
  transparent: boolean;
}

/** https://docs.meshy.ai/en/api/text-to-image: ratios per model family; multi-view output cannot take an aspect ratio (400). */
export function resolveImageOutput(fields: {
  ai_model: ImageModel;
  prompt: string;
  generate_multi_view?: boolean;
  aspect_ratio?: string;
  remove_background?: boolean;
}): ImageOutput {
  const family = fields.ai_model === 'gpt-image-2' ? 'gpt' : 'nano';
  if (fields.generate_multi_view && fields.aspect_ratio !== undefined) reject('aspect_ratio cannot be combined with generate_multi_view');
  const ratio = fields.aspect_ratio ?? '1:1';
  const size = SIZES[family][ratio];
  if (!size)
    reject(
      `aspect_ratio must be one of ${Object.keys(SIZES[family])
        .map((r) => JSON.stringify(r))
        .join(', ')} for ${fields.ai_model} (got ${JSON.stringify(ratio)})`,
    );
  return {
    model: fields.ai_model,
    prompt: fields.prompt,
    look: fields.prompt,
    size,
    count: fields.generate_multi_view ? 3 : 1,
    transparent: fields.remove_background ?? false,
  };
}

const imageFile = (index: number) => `image_${index}.png`;

/** A resource whose tasks make images: the plan differs, the task object and files do not (https://docs.meshy.ai/en/api/image-to-image: "as 6.8"). */
export function imageResource(path: string, plan: EmulatedResource['plan']): EmulatedResource {
  return {
    path,
    // https://docs.meshy.ai/en/api/rate-limits (Aug 2026): the image endpoints are not among those counted against the queue.
    queued: false,
    plan,
    // https://docs.meshy.ai/en/api/authentication: one square picture of the sample, whatever was asked.
    sample: (input) => ({ ...(input as ImageOutput), look: SAMPLE_PROMPT, size: { width: 1024, height: 1024 }, count: 1, transparent: false }),
    present(task, context) {
      const output = outputOf(task);
      const done = context.snapshot.status === 'SUCCEEDED';
      return {
        id: task.id,
        type: task.type,
        ai_model: output.model,
        prompt: output.prompt,
        image_urls: done ? Array.from({ length: output.count }, (_, index) => context.assetUrl(imageFile(index))) : [],
        ...lifecycleFields(task, context),
      };
    },
    asset(task, file, profile) {
      const output = outputOf(task);
      const index = Array.from({ length: output.count }, (_, i) => imageFile(i)).indexOf(file);
      if (index < 0) return undefined;
      const request = {
        prompt: output.look,
        seed: task.seed,
        ...profileImageSize(profile, output.size),
        yawDegrees: VIEW_YAWS[index]!,
        transparent: output.transparent,
      };
      return source(['image', request], () => generateImage(request));
    },
    outputs: (task) => ({ prompt: outputOf(task).look, imageCount: outputOf(task).count }),
  };
}

export function imagePlan(type: string, output: ImageOutput, credits: number, body: Record<string, unknown>): TaskPlan {
  return { type, credits, seed: seedOf(type, body), input: output, prompt: output.prompt, texturePrompt: '' };
}

function outputOf(task: Task): ImageOutput {
  return task.input as ImageOutput;
}
