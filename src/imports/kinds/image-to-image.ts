import { z } from 'zod';
import { imageToImage } from '../../meshy/resources.js';
import { sourceList } from '../inputs.js';
import { labelOf, shorten, slugify } from '../names.js';
import { commaList } from '../params.js';
import { type SpecInputs, taskSpec } from '../task-spec.js';
import { defineKind, oneTask } from './kind.js';
import { aspectProblems, PICTURE_DOCS, pictureRequest, pictureShape } from './picture-options.js';

/** How many reference images Meshy takes (https://docs.meshy.ai/en/api/image-to-image). */
const REFERENCES = { min: 1, max: 5 };

const imageToImageQuerySchema = () =>
  z.strictObject({
    ...pictureShape(),
    src: commaList({ error: 'the reference images are required: src=./a.png' }),
  });

/** `meshy:image-to-image?src=./sketch.png&text=…` — an edit of reference images (https://docs.meshy.ai/en/api/image-to-image). */
export const imageToImageKind = defineKind({
  name: 'image-to-image',
  output: 'image',
  schema: imageToImageQuerySchema,
  docs: {
    ...PICTURE_DOCS,
    text: 'the edit to apply (required)',
    src: `${REFERENCES.min}–${REFERENCES.max} comma-separated reference images (project files, https:// URLs or meshy:text-to-image imports)`,
  },
  inputKeys: { reference_image_urls: 'src' },
  build(query, context) {
    const problems = aspectProblems(query);
    const references = sourceList('src', query.src, REFERENCES, context, problems);
    const label = references.length ? `${labelOf('image-to-image', references)} "${query.text.slice(0, 30)}"` : query.text;
    const inputs: SpecInputs = references.length ? { reference_image_urls: references } : {};
    const request = pictureRequest(query);
    return taskSpec({ kind: 'image-to-image', query, request, inputs, defaultName: slugify(query.text), label: shorten(label), problems });
  },
  tasks: oneTask(imageToImage),
});
