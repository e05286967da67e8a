import { z } from 'zod';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape, overridesFromQuery } from './optimize-keys.js';
import type { SpecProblem } from './errors.js';
import { inputText, resolveSource, type SourceContext, type SourceInput } from './inputs.js';
import { AI_MODELS, generationProblems, geometryFields, STANDARD_MODELS } from './models.js';
import { flag, oneOf, text, wholeNumber } from './params.js';
import { MAX_PROMPT_LENGTH, slugify } from './prompt.js';
import { RIG_QUERY_DOCS, rigQueryShape, rigSpecFromQuery } from './rig.js';
import { withoutDefaults, type JsonValue, type KindDefinition, type TaskSpec } from './task-spec.js';

/** Options shared by image and multi-image to 3D (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/multi-image-to-3d), with Meshy's names. */
const sharedShape = {
  name: z.string().trim().min(1).max(80).optional(),
  ai_model: oneOf(AI_MODELS).optional(),
  should_texture: flag().optional(),
  enable_pbr: flag().optional(),
  texture_resolution: oneOf(['2k', '4k', '8k']).optional(),
  texture_prompt: text(MAX_PROMPT_LENGTH).optional(),
  texture_image_url: z.string().optional(),
  should_remesh: flag().optional(),
  topology: oneOf(['triangle', 'quad']).optional(),
  target_polycount: wholeNumber(100, 300_000).optional(),
  decimation_mode: wholeNumber(1, 4).optional(),
  save_pre_remeshed_model: flag().optional(),
  symmetry_mode: oneOf(['off', 'auto', 'on']).optional(),
  pose_mode: oneOf(['a-pose', 't-pose', '']).optional(),
  image_enhancement: flag().optional(),
  remove_lighting: flag().optional(),
  moderation: flag().optional(),
  auto_size: flag().optional(),
  origin_at: oneOf(['bottom', 'center']).optional(),
  ...rigQueryShape,
  ...optimizeQueryShape,
};

const SHARED_DOCS: Record<keyof typeof sharedShape, string> = {
  name: 'base name of the emitted file (default: from the image file name)',
  ai_model: 'meshy-5 | meshy-6 | meshy-6-lite | meshy-7 | meshy-7.1 | latest (pinned)',
  should_texture: 'false = geometry only (default true)',
  enable_pbr: 'add metallic, roughness and normal maps',
  texture_resolution: '2k | 4k | 8k',
  texture_prompt: 'what the texture should look like (at most 600 characters)',
  texture_image_url: 'texture reference: a project .png/.jpg, an https:// URL, or a meshy:text-to-image import',
  should_remesh: 'true | false',
  topology: 'triangle | quad (remeshed models)',
  target_polycount: '100–300000; implies should_remesh',
  decimation_mode: '1 ultra | 2 high | 3 medium | 4 low; overrides target_polycount',
  save_pre_remeshed_model: 'also keep the model from before remeshing (Meshy side only)',
  symmetry_mode: 'off | auto | on (deprecated by Meshy)',
  pose_mode: 'a-pose | t-pose (recommended for characters you rig)',
  image_enhancement: 'false keeps the exact look of the input image (meshy-6 and later)',
  remove_lighting: 'strip baked lighting from the texture (default true)',
  moderation: 'screen the inputs for harmful content',
  auto_size: 'scale the model to its estimated real-world size',
  origin_at: 'bottom | center (with auto_size)',
  ...RIG_QUERY_DOCS,
  ...OPTIMIZE_QUERY_DOCS,
};

/** Meshy's defaults for image and multi-image to 3D requests, left out of the spec (https://docs.meshy.ai/en/api/image-to-3d). */
const DEFAULTS: Record<string, JsonValue> = {
  should_texture: true,
  enable_pbr: false,
  texture_resolution: '2k',
  save_pre_remeshed_model: false,
  image_enhancement: true,
  remove_lighting: true,
  moderation: false,
  auto_size: false,
  origin_at: 'bottom',
};

const TEXTURE_KEYS = ['enable_pbr', 'texture_resolution', 'texture_prompt', 'texture_image_url', 'remove_lighting'] as const;

type SharedQuery = { [K in keyof typeof sharedShape]?: z.output<(typeof sharedShape)[K]> };

/** `meshy:image?src=./concepts/chair.png` — Image to 3D (https://docs.meshy.ai/en/api/image-to-3d). */
export const imageQuerySchema = z.strictObject({
  src: z.string({ error: 'the image is required: meshy:image?src=./concept.png' }),
  model_type: oneOf(['standard', 'smart-topology']).optional(),
  geometry_resolution: oneOf(['standard', '2k', '4k']).optional(),
  multi_view_thumbnails: flag().optional(),
  ...sharedShape,
});

/** `meshy:images?src=./front.png,./side.png` — Multi-Image to 3D (https://docs.meshy.ai/en/api/multi-image-to-3d): 1–4 views of one object. */
export const imagesQuerySchema = z.strictObject({
  src: z.string({ error: 'the images are required: meshy:images?src=./front.png,./side.png' }),
  geometry_resolution: oneOf(['standard', '2k']).optional(),
  texture_image_urls: z.string().optional(),
  ...sharedShape,
  ai_model: oneOf([...STANDARD_MODELS, 'latest']).optional(),
});

export const imageKind: KindDefinition<z.output<typeof imageQuerySchema>> = {
  kind: 'image',
  schema: imageQuerySchema,
  docs: {
    src: 'the image: a project .png/.jpg (./a.png from the importer, /a.png from the root), an https:// URL, or a meshy:text-to-image import',
    model_type: 'standard | smart-topology',
    geometry_resolution: 'standard | 2k | 4k',
    multi_view_thumbnails: 'also make four 512 px views (Meshy side only)',
    ...SHARED_DOCS,
  },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const image = source('src', query.src, context, problems);
    const request = modelRequest(query, problems);
    if (query.multi_view_thumbnails) request.multi_view_thumbnails = true;
    return finish('image', query, image ? { image_url: image } : {}, request, image ? labelOf('image', [image]) : 'image', context, problems);
  },
};

export const imagesKind: KindDefinition<z.output<typeof imagesQuerySchema>> = {
  kind: 'images',
  schema: imagesQuerySchema,
  docs: {
    src: '1–4 comma-separated views of one object, front first (project files, https:// URLs or meshy:text-to-image imports)',
    geometry_resolution: 'standard | 2k',
    texture_image_urls: '1–4 comma-separated texture guide views, front first (meshy-7 and later; not with texture_prompt or texture_image_url)',
    ...SHARED_DOCS,
    ai_model: 'meshy-5 | meshy-6 | meshy-6-lite | meshy-7 | meshy-7.1 | latest (pinned); no smart topology',
  },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const images = sourceList('src', query.src, 1, 4, context, problems);
    const request = modelRequest(query, problems);
    const inputs: TaskSpec['inputs'] = images.length ? { image_urls: images } : {};
    if (query.texture_image_urls !== undefined) {
      const guides = sourceList('texture_image_urls', query.texture_image_urls, 1, 4, context, problems);
      if (query.texture_prompt !== undefined || query.texture_image_url !== undefined) {
        problems.push({ key: 'texture_image_urls', message: 'cannot be combined with texture_prompt or texture_image_url' });
      }
      if (!['meshy-7', 'meshy-7.1'].includes(String(request.ai_model))) {
        problems.push({ key: 'texture_image_urls', message: `needs ai_model meshy-7, meshy-7.1 or latest; got ${String(request.ai_model)}` });
      }
      if (guides.length) inputs.texture_image_urls = guides;
    }
    return finish('images', query, inputs, request, images.length ? labelOf('images', images) : 'images', context, problems);
  },
};

/** The body shared by both kinds: geometry, texturing, sizing. */
function modelRequest(query: SharedQuery & { model_type?: 'standard' | 'smart-topology'; geometry_resolution?: 'standard' | '2k' | '4k' }, problems: SpecProblem[]): Record<string, JsonValue> {
  problems.push(...generationProblems(query));
  if (query.should_texture === false) {
    for (const key of TEXTURE_KEYS) {
      if (query[key] !== undefined) problems.push({ key, message: 'is a texturing option, but should_texture=false skips texturing' });
    }
  }
  if (query.save_pre_remeshed_model && query.should_remesh === false) problems.push({ key: 'save_pre_remeshed_model', message: 'needs should_remesh' });
  const body = withoutDefaults(
    {
      ...geometryFields(query),
      should_texture: query.should_texture,
      enable_pbr: query.enable_pbr,
      texture_resolution: query.texture_resolution,
      texture_prompt: query.texture_prompt,
      save_pre_remeshed_model: query.save_pre_remeshed_model,
      image_enhancement: query.image_enhancement,
      remove_lighting: query.remove_lighting,
      moderation: query.moderation,
      auto_size: query.auto_size,
      origin_at: query.auto_size ? query.origin_at : undefined,
    },
    DEFAULTS,
  );
  return { ...body, target_formats: ['glb'] };
}

function finish(
  kind: 'image' | 'images',
  query: SharedQuery,
  inputs: TaskSpec['inputs'],
  request: Record<string, JsonValue>,
  label: string,
  context: SourceContext,
  problems: SpecProblem[],
): { spec: TaskSpec; problems: SpecProblem[] } {
  if (query.texture_image_url !== undefined) {
    const guide = source('texture_image_url', query.texture_image_url, context, problems);
    if (guide) inputs.texture_image_url = guide;
  }
  const rig = rigSpecFromQuery(query);
  problems.push(...rig.problems);
  if (rig.spec.rig && query.should_texture === false) problems.push({ key: 'rig', message: 'Meshy rigs textured models only; drop should_texture=false' });
  const optimize = overridesFromQuery(query);
  const first = Object.values(inputs)[0];
  const firstInput = Array.isArray(first) ? first[0] : first;
  return {
    spec: {
      kind,
      request,
      inputs,
      name: query.name ?? (firstInput ? nameOf(firstInput) : kind),
      label,
      ...rig.spec,
      ...(optimize ? { optimize } : {}),
    },
    problems,
  };
}

export function source(key: string, value: string, context: SourceContext, problems: SpecProblem[], accept: 'image' | 'model' = 'image', extensions?: readonly string[]): SourceInput | undefined {
  const resolved = resolveSource(value, accept, context, extensions);
  if (typeof resolved === 'string') {
    problems.push({ key, message: resolved });
    return undefined;
  }
  return resolved;
}

export function sourceList(key: string, value: string, min: number, max: number, context: SourceContext, problems: SpecProblem[]): SourceInput[] {
  const parts = value.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length < min || parts.length > max) {
    problems.push({ key, message: `takes ${min}–${max} comma-separated images; got ${parts.length}` });
    return [];
  }
  const inputs = parts.map((part) => source(key, part, context, problems));
  return inputs.every((input) => input !== undefined) ? (inputs as SourceInput[]) : [];
}

/** A file name for the asset, from the first input: `./concepts/chair.png` → `chair`. */
export function nameOf(input: SourceInput): string {
  const text = inputText(input).replace(/[?#].*$/, '');
  const base = text.slice(text.lastIndexOf('/') + 1).replace(/\.[a-z0-9]+$/i, '');
  return slugify(input.type === 'generated' ? text.replace(/^meshy:/, '') : base);
}

export function labelOf(kind: string, inputs: SourceInput[]): string {
  const shown = inputs.map((input) => readable(inputText(input))).join(', ');
  return `${kind} ${shown.length > 60 ? `${shown.slice(0, 57)}…` : shown}`;
}

function readable(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
