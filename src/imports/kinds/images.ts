import { z } from 'zod';
import { multiImageTo3d } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import { sourceList } from '../inputs.js';
import { STANDARD_MODELS } from '../models.js';
import { labelOf } from '../names.js';
import { choices, commaList, oneOf } from '../params.js';
import type { SpecInputs } from '../task-spec.js';
import { IMAGE_TO_3D_DOCS, imageTo3dRequest, imageTo3dShape, imageTo3dSpec } from './image-to-3d-options.js';
import { defineKind, oneTask } from './kind.js';

/** Views of one object Meshy takes, and texture guide views (https://docs.meshy.ai/en/api/multi-image-to-3d). */
const VIEWS = { min: 1, max: 4 };
const GUIDE_VIEWS = { min: 1, max: 4 };
/** Multi-image to 3D has no 4k geometry. */
const RESOLUTIONS = ['standard', '2k'] as const;
const MODELS = [...STANDARD_MODELS, 'latest'] as const;
/** The models that take texture guide views. */
const GUIDE_MODELS = ['meshy-7', 'meshy-7.1'];

/** `meshy:images?src=./front.png,./side.png` — Multi-Image to 3D (https://docs.meshy.ai/en/api/multi-image-to-3d): 1–4 views of one object. */
const imagesQuerySchema = () =>
  z.strictObject({
    src: commaList({ error: 'the images are required: meshy:images?src=./front.png,./side.png' }),
    geometry_resolution: oneOf(RESOLUTIONS).optional(),
    texture_image_urls: commaList().optional(),
    ...imageTo3dShape(),
    ai_model: oneOf(MODELS).optional(),
  });

export const imagesKind = defineKind({
  name: 'images',
  output: 'model',
  schema: imagesQuerySchema,
  docs: {
    src: `${VIEWS.min}–${VIEWS.max} comma-separated views of one object, front first (project files, https:// URLs or meshy:text-to-image imports)`,
    geometry_resolution: choices(RESOLUTIONS),
    texture_image_urls:
      `${GUIDE_VIEWS.min}–${GUIDE_VIEWS.max} comma-separated texture guide views, front first ` +
      `(${GUIDE_MODELS.join(', ')} or latest; not with texture_prompt or texture_image_url)`,
    ...IMAGE_TO_3D_DOCS,
    ai_model: `${choices(MODELS)} (pinned); no smart topology`,
  },
  inputKeys: { image_urls: 'src', texture_image_urls: 'texture_image_urls', texture_image_url: 'texture_image_url' },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const images = sourceList('src', query.src, VIEWS, context, problems);
    const request = imageTo3dRequest(query, problems);
    const inputs: SpecInputs = images.length ? { image_urls: images } : {};
    if (query.texture_image_urls !== undefined) {
      const guides = sourceList('texture_image_urls', query.texture_image_urls, GUIDE_VIEWS, context, problems);
      if (query.texture_prompt !== undefined || query.texture_image_url !== undefined) {
        problems.push({ key: 'texture_image_urls', message: 'cannot be combined with texture_prompt or texture_image_url' });
      }
      if (!GUIDE_MODELS.includes(String(request.ai_model))) {
        problems.push({ key: 'texture_image_urls', message: `needs ai_model ${GUIDE_MODELS.join(', ')} or latest; got ${String(request.ai_model)}` });
      }
      if (guides.length) inputs.texture_image_urls = guides;
    }
    return imageTo3dSpec({ kind: 'images', query, request, inputs, label: images.length ? labelOf('images', images) : 'images', context, problems });
  },
  tasks: oneTask(multiImageTo3d),
});
