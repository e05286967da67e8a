import { z } from 'zod';
import { type ImageModel, imageFields, imagePlan, imageResource, resolveImageOutput } from './image-generation.js';
import { checkImageUrl } from './sources.js';
import { parseBody, reject } from './validation.js';

/** Image to Image (https://docs.meshy.ai/en/api/image-to-image): an edit of 1–5 reference images. */
const IMAGE_TO_IMAGE_PATH = '/openapi/v1/image-to-image';

/** https://docs.meshy.ai/en/api/pricing: gpt-image-2 costs more here than in text to image. */
const PRICES: Record<ImageModel, number> = { 'nano-banana': 3, 'nano-banana-2': 6, 'nano-banana-pro': 9, 'gpt-image-2': 12 };

const schema = z.object({ ...imageFields, reference_image_urls: z.array(z.string()) });

export const imageToImage = imageResource(IMAGE_TO_IMAGE_PATH, (body) => {
  const fields = parseBody(schema, body);
  const references = fields.reference_image_urls;
  if (references.length < 1 || references.length > 5) reject(`reference_image_urls must hold 1 to 5 images (got ${references.length})`);
  for (const [index, url] of references.entries()) checkImageUrl(`reference_image_urls[${index}]`, url);
  const output = resolveImageOutput(fields);
  return imagePlan('image-to-image', output, PRICES[output.model], body);
});
