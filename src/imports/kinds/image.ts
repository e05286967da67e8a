import { z } from 'zod';
import { imageTo3d } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import { source } from '../inputs.js';
import { GEOMETRY_RESOLUTIONS, MODEL_TYPES } from '../models.js';
import { labelOf } from '../names.js';
import { choices, flag, oneOf } from '../params.js';
import { IMAGE_TO_3D_DOCS, imageTo3dRequest, imageTo3dShape, imageTo3dSpec } from './image-to-3d-options.js';
import { defineKind, oneTask } from './kind.js';

/** `meshy:image?src=./concepts/chair.png` — Image to 3D (https://docs.meshy.ai/en/api/image-to-3d). */
const imageQuerySchema = () =>
  z.strictObject({
    src: z.string({ error: 'the image is required: meshy:image?src=./concept.png' }),
    model_type: oneOf(MODEL_TYPES).optional(),
    geometry_resolution: oneOf(GEOMETRY_RESOLUTIONS).optional(),
    multi_view_thumbnails: flag().optional(),
    ...imageTo3dShape(),
  });

export const imageKind = defineKind({
  name: 'image',
  output: 'model',
  schema: imageQuerySchema,
  docs: {
    src: 'the image: a project .png/.jpg (./a.png from the importer, /a.png from the root), an https:// URL, or a meshy:text-to-image import',
    model_type: choices(MODEL_TYPES),
    geometry_resolution: choices(GEOMETRY_RESOLUTIONS),
    multi_view_thumbnails: 'also make four 512 px views (Meshy side only)',
    ...IMAGE_TO_3D_DOCS,
  },
  inputKeys: { image_url: 'src', texture_image_url: 'texture_image_url' },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const image = source('src', query.src, context, problems);
    const request = imageTo3dRequest(query, problems);
    if (query.multi_view_thumbnails) request.multi_view_thumbnails = true;
    const label = image ? labelOf('image', [image]) : 'image';
    return imageTo3dSpec({ kind: 'image', query, request, inputs: image ? { image_url: image } : {}, label, context, problems });
  },
  tasks: oneTask(imageTo3d),
});
