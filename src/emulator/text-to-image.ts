import { z } from 'zod';
import { type ImageModel, imageFields, imagePlan, imageResource, resolveImageOutput } from './image-generation.js';
import { parseBody } from './validation.js';

/** Text to Image (https://docs.meshy.ai/en/api/text-to-image). */
const TEXT_TO_IMAGE_PATH = '/openapi/v1/text-to-image';

/** https://docs.meshy.ai/en/api/pricing */
const PRICES: Record<ImageModel, number> = { 'nano-banana': 3, 'nano-banana-2': 6, 'nano-banana-pro': 9, 'gpt-image-2': 9 };

const schema = z.object(imageFields);

export const textToImage = imageResource(TEXT_TO_IMAGE_PATH, (body) => {
  const output = resolveImageOutput(parseBody(schema, body));
  return imagePlan('text-to-image', output, PRICES[output.model], body);
});
