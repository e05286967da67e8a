import { z } from 'zod';
import { textToImage } from '../../meshy/resources.js';
import { POSE_MODES } from '../models.js';
import { shorten, slugify } from '../names.js';
import { choices, oneOf } from '../params.js';
import { taskSpec } from '../task-spec.js';
import { defineKind, oneTask } from './kind.js';
import { aspectProblems, PICTURE_DOCS, pictureRequest, pictureShape } from './picture-options.js';

const textToImageQuerySchema = () => z.strictObject({ ...pictureShape(), pose_mode: oneOf(POSE_MODES).optional() });

/** `meshy:text-to-image?text=…` — a PNG (texture, sprite, concept art; the `src` of an image-to-3D import), https://docs.meshy.ai/en/api/text-to-image. */
export const textToImageKind = defineKind({
  name: 'text-to-image',
  output: 'image',
  schema: textToImageQuerySchema,
  docs: { ...PICTURE_DOCS, pose_mode: `${choices(POSE_MODES)}: a character posed for image-to-3D and rigging` },
  inputKeys: {},
  build(query) {
    const request = pictureRequest(query);
    if (query.pose_mode) request.pose_mode = query.pose_mode;
    const problems = aspectProblems(query);
    return taskSpec({ kind: 'text-to-image', query, request, inputs: {}, defaultName: slugify(query.text), label: shorten(query.text), problems });
  },
  tasks: oneTask(textToImage),
});
