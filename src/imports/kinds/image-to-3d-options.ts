import { z } from 'zod';
import type { SpecProblem } from '../errors.js';
import { type SourceContext, source } from '../inputs.js';
import {
  AI_MODELS,
  DECIMATION_DOC,
  DECIMATION_MODES,
  type GenerationQuery,
  generationProblems,
  geometryFields,
  MAX_PROMPT_LENGTH,
  ORIGINS,
  POLYCOUNT,
  POSE_MODES,
  SYMMETRY_MODES,
  TEXTURE_RESOLUTIONS,
  TOPOLOGIES,
} from '../models.js';
import { nameOf } from '../names.js';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape } from '../optimize-keys.js';
import { choices, fileName, flag, oneOf, text, wholeNumber } from '../params.js';
import { RIG_QUERY_DOCS, rigQueryShape } from '../rig.js';
import { type JsonValue, type SpecInputs, taskSpec, withoutDefaults } from '../task-spec.js';

/**
 * The options `meshy:image` and `meshy:images` share: Image to 3D and Multi-Image to 3D
 * (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/multi-image-to-3d), with Meshy's names.
 */
export const imageTo3dShape = () => ({
  name: fileName(),
  ai_model: oneOf(AI_MODELS).optional(),
  should_texture: flag().optional(),
  enable_pbr: flag().optional(),
  texture_resolution: oneOf(TEXTURE_RESOLUTIONS).optional(),
  texture_prompt: text(MAX_PROMPT_LENGTH).optional(),
  texture_image_url: z.string().optional(),
  should_remesh: flag().optional(),
  topology: oneOf(TOPOLOGIES).optional(),
  target_polycount: wholeNumber(POLYCOUNT.standard.min, POLYCOUNT.standard.max).optional(),
  decimation_mode: wholeNumber(1, DECIMATION_MODES.length).optional(),
  save_pre_remeshed_model: flag().optional(),
  symmetry_mode: oneOf(SYMMETRY_MODES).optional(),
  pose_mode: oneOf([...POSE_MODES, '']).optional(),
  image_enhancement: flag().optional(),
  remove_lighting: flag().optional(),
  moderation: flag().optional(),
  auto_size: flag().optional(),
  origin_at: oneOf(ORIGINS).optional(),
  ...rigQueryShape(),
  ...optimizeQueryShape(),
});

export const IMAGE_TO_3D_DOCS: Record<keyof ReturnType<typeof imageTo3dShape>, string> = {
  name: 'base name of the emitted file (default: from the image file name)',
  ai_model: `${choices(AI_MODELS)} (pinned)`,
  should_texture: 'false = geometry only (default true)',
  enable_pbr: 'add metallic, roughness and normal maps',
  texture_resolution: choices(TEXTURE_RESOLUTIONS),
  texture_prompt: `what the texture should look like (at most ${MAX_PROMPT_LENGTH} characters)`,
  texture_image_url: 'texture reference: a project .png/.jpg, an https:// URL, or a meshy:text-to-image import',
  should_remesh: 'true | false',
  topology: `${choices(TOPOLOGIES)} (remeshed models)`,
  target_polycount: `${POLYCOUNT.standard.min}–${POLYCOUNT.standard.max}; implies should_remesh`,
  decimation_mode: DECIMATION_DOC,
  save_pre_remeshed_model: 'also keep the model from before remeshing (Meshy side only)',
  symmetry_mode: `${choices(SYMMETRY_MODES)} (deprecated by Meshy)`,
  pose_mode: `${choices(POSE_MODES)} (recommended for characters you rig)`,
  image_enhancement: 'false keeps the exact look of the input image (meshy-6 and later)',
  remove_lighting: 'strip baked lighting from the texture (default true)',
  moderation: 'screen the inputs for harmful content',
  auto_size: 'scale the model to its estimated real-world size',
  origin_at: `${choices(ORIGINS)} (with auto_size)`,
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

export type ImageTo3dQuery = { [K in keyof ReturnType<typeof imageTo3dShape>]?: z.output<ReturnType<typeof imageTo3dShape>[K]> } & GenerationQuery;

/** The body shared by both kinds: geometry, texturing, sizing. */
export function imageTo3dRequest(query: ImageTo3dQuery, problems: SpecProblem[]): Record<string, JsonValue> {
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

export interface ImageTo3dSpecParts<Kind extends string> {
  kind: Kind;
  query: ImageTo3dQuery;
  request: Record<string, JsonValue>;
  inputs: SpecInputs;
  label: string;
  context: SourceContext;
  problems: SpecProblem[];
}

/** The spec of either kind: adds the texture reference image, names the file after the first input. */
export function imageTo3dSpec<Kind extends string>({ kind, query, request, inputs, label, context, problems }: ImageTo3dSpecParts<Kind>) {
  if (query.texture_image_url !== undefined) {
    const guide = source('texture_image_url', query.texture_image_url, context, problems);
    if (guide) inputs.texture_image_url = guide;
  }
  const first = Object.values(inputs)[0];
  const firstInput = Array.isArray(first) ? first[0] : first;
  const built = taskSpec({ kind, query, request, inputs, defaultName: firstInput ? nameOf(firstInput) : kind, label, problems });
  if (built.spec.rig && query.should_texture === false) {
    built.problems.push({ key: 'rig', message: 'Meshy rigs textured models only; drop should_texture=false' });
  }
  return built;
}
