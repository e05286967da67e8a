import type { SpecProblem } from '../errors.js';
import { fileName, flag, oneOf, text } from '../params.js';
import { withoutDefaults } from '../task-spec.js';

/**
 * The options `meshy:text-to-image` and `meshy:image-to-image` share
 * (https://docs.meshy.ai/en/api/text-to-image, https://docs.meshy.ai/en/api/image-to-image).
 */
const IMAGE_MODELS = ['nano-banana', 'nano-banana-2', 'nano-banana-pro', 'gpt-image-2'] as const;
const DEFAULT_IMAGE_MODEL = 'nano-banana';
/** The aspect ratios of gpt-image-2 and of the nano-banana models. */
const GPT_ASPECT_RATIOS = ['1:1', '3:2', '2:3'];
const NANO_ASPECT_RATIOS = ['1:1', '16:9', '9:16', '4:3', '3:4'];
/** Image prompts have no documented limit; this keeps ids and keys sane. */
const MAX_IMAGE_PROMPT = 2000;

export const pictureShape = () => ({
  text: text(MAX_IMAGE_PROMPT),
  name: fileName(),
  ai_model: oneOf(IMAGE_MODELS).optional(),
  aspect_ratio: oneOf([...new Set([...NANO_ASPECT_RATIOS, ...GPT_ASPECT_RATIOS])] as [string, ...string[]]).optional(),
  remove_background: flag().optional(),
});

export const PICTURE_DOCS = {
  text: 'the prompt (required)',
  name: 'base name of the emitted file (default: a slug of the prompt)',
  ai_model: `${IMAGE_MODELS.join(' | ')} (default ${DEFAULT_IMAGE_MODEL})`,
  aspect_ratio: `nano-banana models: ${NANO_ASPECT_RATIOS.join(' | ')}; gpt-image-2: ${GPT_ASPECT_RATIOS.join(' | ')}`,
  remove_background: 'a transparent PNG',
};

interface PictureQuery {
  text: string;
  ai_model?: string | undefined;
  aspect_ratio?: string | undefined;
  remove_background?: boolean | undefined;
}

export function aspectProblems(query: PictureQuery): SpecProblem[] {
  if (query.aspect_ratio === undefined) return [];
  const allowed = query.ai_model === 'gpt-image-2' ? GPT_ASPECT_RATIOS : NANO_ASPECT_RATIOS;
  if (allowed.includes(query.aspect_ratio)) return [];
  return [{ key: 'aspect_ratio', message: `${query.ai_model ?? DEFAULT_IMAGE_MODEL} takes ${allowed.join(', ')}; got ${query.aspect_ratio}` }];
}

export function pictureRequest(query: PictureQuery) {
  // ai_model is required by Meshy, so it is always sent.
  return withoutDefaults(
    { ai_model: query.ai_model ?? DEFAULT_IMAGE_MODEL, prompt: query.text, aspect_ratio: query.aspect_ratio, remove_background: query.remove_background },
    { aspect_ratio: '1:1', remove_background: false },
  );
}
