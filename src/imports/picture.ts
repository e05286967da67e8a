import { z } from 'zod';
import type { SpecProblem } from './errors.js';
import { labelOf, sourceList } from './image.js';
import { flag, oneOf, text } from './params.js';
import { slugify } from './prompt.js';
import { withoutDefaults, type KindDefinition, type TaskSpec } from './task-spec.js';

/** Image models and what a task costs with each (https://docs.meshy.ai/en/api/text-to-image, https://docs.meshy.ai/en/api/image-to-image, https://docs.meshy.ai/en/api/pricing). */
export const IMAGE_MODELS = ['nano-banana', 'nano-banana-2', 'nano-banana-pro', 'gpt-image-2'] as const;
const DEFAULT_IMAGE_MODEL = 'nano-banana';
const GPT_ASPECT_RATIOS = ['1:1', '3:2', '2:3'];
const NANO_ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'];
/** Image prompts have no documented limit; this keeps ids and keys sane. */
const MAX_IMAGE_PROMPT = 2000;

const sharedShape = {
  text: text(MAX_IMAGE_PROMPT),
  name: z.string().trim().min(1).max(80).optional(),
  ai_model: oneOf(IMAGE_MODELS).optional(),
  aspect_ratio: oneOf([...new Set([...NANO_ASPECT_RATIOS, ...GPT_ASPECT_RATIOS])] as [string, ...string[]]).optional(),
  remove_background: flag().optional(),
};

const SHARED_DOCS = {
  text: 'the prompt (required)',
  name: 'base name of the emitted file (default: a slug of the prompt)',
  ai_model: `${IMAGE_MODELS.join(' | ')} (default ${DEFAULT_IMAGE_MODEL})`,
  aspect_ratio: 'nano-banana models: 1:1 | 16:9 | 9:16 | 4:3 | 3:4; gpt-image-2: 1:1 | 3:2 | 2:3',
  remove_background: 'a transparent PNG',
};

export const textToImageQuerySchema = z.strictObject({ ...sharedShape, pose_mode: oneOf(['a-pose', 't-pose']).optional() });
export const imageToImageQuerySchema = z.strictObject({
  ...sharedShape,
  src: z.string({ error: 'the reference images are required: src=./a.png' }),
});

/** `meshy:text-to-image?text=…` — a PNG (texture, sprite, concept art; the `src` of an image-to-3D import). */
export const textToImageKind: KindDefinition<z.output<typeof textToImageQuerySchema>> = {
  kind: 'text-to-image',
  schema: textToImageQuerySchema,
  docs: { ...SHARED_DOCS, pose_mode: 'a-pose | t-pose: a character posed for image-to-3D and rigging' },
  build(query) {
    const problems = aspectProblems(query);
    const request = pictureRequest(query);
    if (query.pose_mode) request.pose_mode = query.pose_mode;
    return { spec: pictureSpec('text-to-image', query, request, {}, query.text), problems };
  },
};

/** `meshy:image-to-image?src=./sketch.png&text=…` — an edit of 1–5 reference images. */
export const imageToImageKind: KindDefinition<z.output<typeof imageToImageQuerySchema>> = {
  kind: 'image-to-image',
  schema: imageToImageQuerySchema,
  docs: { ...SHARED_DOCS, text: 'the edit to apply (required)', src: '1–5 comma-separated reference images (project files, https:// URLs or meshy:text-to-image imports)' },
  build(query, context) {
    const problems = aspectProblems(query);
    const references = sourceList('src', query.src, 1, 5, context, problems);
    const label = references.length ? `${labelOf('image-to-image', references)} "${query.text.slice(0, 30)}"` : query.text;
    return { spec: pictureSpec('image-to-image', query, pictureRequest(query), references.length ? { reference_image_urls: references } : {}, label), problems };
  },
};

function aspectProblems(query: { ai_model?: string; aspect_ratio?: string }): SpecProblem[] {
  if (query.aspect_ratio === undefined) return [];
  const allowed = query.ai_model === 'gpt-image-2' ? GPT_ASPECT_RATIOS : NANO_ASPECT_RATIOS;
  return allowed.includes(query.aspect_ratio) ? [] : [{ key: 'aspect_ratio', message: `${query.ai_model ?? DEFAULT_IMAGE_MODEL} takes ${allowed.join(', ')}; got ${query.aspect_ratio}` }];
}

function pictureRequest(query: z.output<typeof textToImageQuerySchema> | z.output<typeof imageToImageQuerySchema>) {
  // ai_model is required by Meshy, so it is always sent.
  return withoutDefaults(
    { ai_model: query.ai_model ?? DEFAULT_IMAGE_MODEL, prompt: query.text, aspect_ratio: query.aspect_ratio, remove_background: query.remove_background },
    { aspect_ratio: '1:1', remove_background: false },
  );
}

function pictureSpec(kind: 'text-to-image' | 'image-to-image', query: { name?: string; text: string }, request: TaskSpec['request'], inputs: TaskSpec['inputs'], label: string): TaskSpec {
  return { kind, request, inputs, name: query.name ?? slugify(query.text), label: label.length > 60 ? `${label.slice(0, 57)}…` : label };
}
