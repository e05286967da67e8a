import { z } from 'zod';
import { textTo3d } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import {
  AI_MODELS,
  DECIMATION_DOC,
  DECIMATION_MODES,
  GEOMETRY_RESOLUTIONS,
  generationProblems,
  geometryFields,
  MAX_PROMPT_LENGTH,
  MODEL_TYPES,
  ORIGINS,
  POLYCOUNT,
  POSE_MODES,
  SYMMETRY_MODES,
  TEXTURE_RESOLUTIONS,
  TOPOLOGIES,
} from '../models.js';
import { slugify } from '../names.js';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape } from '../optimize-keys.js';
import { choices, fileName, flag, imageUrl, oneOf, text, wholeNumber } from '../params.js';
import { RIG_QUERY_DOCS, rigQueryShape } from '../rig.js';
import { type SharedSpecParts, sharedSpecParts } from '../task-spec.js';
import { defineKind } from './kind.js';

const ART_STYLES = ['realistic', 'sculpture'] as const;
const MAX_SEED = 2_147_483_647;

/**
 * `meshy:prompt?…` — Text to 3D. Keys are Meshy's own parameter names (https://docs.meshy.ai/en/api/text-to-3d),
 * except `text` (the prompt), `textured` (false = preview only), and `name` (the emitted file's name).
 */
const promptQuerySchema = () =>
  z.strictObject({
    text: text(MAX_PROMPT_LENGTH),
    name: fileName(),
    textured: flag().optional(),
    // preview stage
    ai_model: oneOf(AI_MODELS).optional(),
    model_type: oneOf(MODEL_TYPES).optional(),
    topology: oneOf(TOPOLOGIES).optional(),
    target_polycount: wholeNumber(POLYCOUNT.standard.min, POLYCOUNT.standard.max).optional(),
    decimation_mode: wholeNumber(1, DECIMATION_MODES.length).optional(),
    should_remesh: flag().optional(),
    geometry_resolution: oneOf(GEOMETRY_RESOLUTIONS).optional(),
    symmetry_mode: oneOf(SYMMETRY_MODES).optional(),
    pose_mode: oneOf([...POSE_MODES, '']).optional(),
    art_style: oneOf(ART_STYLES).optional(),
    seed: wholeNumber(0, MAX_SEED).optional(),
    moderation: flag().optional(),
    auto_size: flag().optional(),
    origin_at: oneOf(ORIGINS).optional(),
    // refine stage
    enable_pbr: flag().optional(),
    texture_prompt: text(MAX_PROMPT_LENGTH).optional(),
    texture_image_url: imageUrl().optional(),
    texture_resolution: oneOf(TEXTURE_RESOLUTIONS).optional(),
    remove_lighting: flag().optional(),
    // rigging and animation (later tasks on the same model)
    ...rigQueryShape(),
    // optimize stage (not sent to Meshy; see optimize-keys.ts)
    ...optimizeQueryShape(),
  });

type PromptQuery = z.infer<ReturnType<typeof promptQuerySchema>>;

const PROMPT_OPTION_DOCS: Record<keyof PromptQuery, string> = {
  text: `the prompt (required, at most ${MAX_PROMPT_LENGTH} characters)`,
  name: 'base name of the emitted file (default: a slug of the prompt)',
  textured: 'false = geometry only (preview stage), default true (preview then refine)',
  ai_model: `${choices(AI_MODELS)} (pinned)`,
  model_type: choices(MODEL_TYPES),
  topology: `${choices(TOPOLOGIES)} (remeshed models)`,
  target_polycount:
    `${POLYCOUNT.standard.min}–${POLYCOUNT.standard.max} (smart-topology: up to ${POLYCOUNT['meshy-t2'].max} / ${POLYCOUNT['meshy-t2.5'].max}); ` +
    'implies should_remesh',
  decimation_mode: DECIMATION_DOC,
  should_remesh: 'true | false',
  geometry_resolution: choices(GEOMETRY_RESOLUTIONS),
  symmetry_mode: `${choices(SYMMETRY_MODES)} (deprecated by Meshy, no effect)`,
  pose_mode: choices(POSE_MODES),
  art_style: `${choices(ART_STYLES)} (deprecated, meshy-5 only)`,
  seed: 'a whole number; a different seed is a different roll',
  moderation: 'screen the prompts for harmful content',
  auto_size: 'scale the model to its estimated real-world size',
  origin_at: `${choices(ORIGINS)} (with auto_size)`,
  enable_pbr: 'add metallic, roughness and normal maps',
  texture_prompt: `what the texture should look like (at most ${MAX_PROMPT_LENGTH} characters)`,
  texture_image_url: 'https:// URL or data URI of a texture reference image',
  texture_resolution: choices(TEXTURE_RESOLUTIONS),
  remove_lighting: 'strip baked lighting from the texture (default true)',
  ...RIG_QUERY_DOCS,
  ...OPTIMIZE_QUERY_DOCS,
};

const REFINE_KEYS = ['enable_pbr', 'texture_prompt', 'texture_image_url', 'texture_resolution', 'remove_lighting'] as const;

type JsonValue = string | number | boolean | string[];

export interface PromptSpec extends SharedSpecParts {
  kind: 'prompt';
  /** Body of `POST /openapi/v2/text-to-3d` with mode "preview": defaults left out, the model pinned. */
  preview: Record<string, JsonValue>;
  /** Body of the refine request without `preview_task_id`; null when only geometry is wanted. */
  refine: Record<string, JsonValue> | null;
}

/** `meshy:prompt?text=a knight` — Text to 3D (https://docs.meshy.ai/en/api/text-to-3d): a preview, then a refine that textures it. */
export const promptKind = defineKind({
  name: 'prompt',
  output: 'model',
  schema: promptQuerySchema,
  docs: PROMPT_OPTION_DOCS,
  inputKeys: {},
  build(query) {
    const shared = sharedSpecParts(query, slugify(query.text));
    const spec: PromptSpec = { kind: 'prompt', ...promptRequests(query), ...shared.parts };
    return { spec, problems: [...generationProblems(query), ...shared.problems, ...texturingProblems(query, spec)] };
  },
  tasks(spec) {
    const preview = { stage: 'preview', resource: textTo3d, body: { mode: 'preview', ...spec.preview } };
    if (!spec.refine) return [preview];
    // A refine echoes its preview's prompt, not its preview's id: the prompt tells refines apart in Meshy's list.
    const refine = { mode: 'refine', ...spec.refine };
    return [preview, { stage: 'refine', resource: textTo3d, body: refine, links: { preview_task_id: 'preview' }, echoed: { prompt: spec.preview.prompt } }];
  },
});

/** Combinations with textured=false that Meshy rejects (with a 400) or ignores. */
function texturingProblems(query: PromptQuery, spec: PromptSpec): SpecProblem[] {
  if (query.textured !== false) return [];
  const problems: SpecProblem[] = [];
  if (spec.rig) problems.push({ key: 'rig', message: 'Meshy rigs textured models only; drop textured=false' });
  for (const key of REFINE_KEYS) {
    if (query[key] !== undefined) problems.push({ key, message: 'is a texturing option, but textured=false skips texturing' });
  }
  return problems;
}

/** Turns a validated query into the exact requests, leaving out every value that equals Meshy's default. */
function promptRequests(query: PromptQuery): Pick<PromptSpec, 'preview' | 'refine'> {
  const preview: Record<string, JsonValue> = { prompt: query.text, ...geometryFields(query), target_formats: ['glb'] };
  if (query.art_style && query.art_style !== 'realistic') preview.art_style = query.art_style;
  if (query.seed !== undefined) preview.seed = query.seed;
  if (query.moderation) preview.moderation = true;
  if (query.auto_size) {
    preview.auto_size = true;
    if (query.origin_at === 'center') preview.origin_at = 'center';
  }

  let refine: Record<string, JsonValue> | null = null;
  if (query.textured !== false) {
    // ai_model is left out on purpose: refine then inherits the preview's model, as Meshy recommends.
    refine = { target_formats: ['glb'] };
    if (query.enable_pbr) refine.enable_pbr = true;
    if (query.texture_prompt) refine.texture_prompt = query.texture_prompt;
    if (query.texture_image_url) refine.texture_image_url = query.texture_image_url;
    if (query.texture_resolution && query.texture_resolution !== '2k') refine.texture_resolution = query.texture_resolution;
    if (query.remove_lighting === false) refine.remove_lighting = false;
    if (query.moderation) refine.moderation = true;
    if (query.auto_size) {
      refine.auto_size = true;
      if (query.origin_at === 'center') refine.origin_at = 'center';
    }
  }
  return { preview, refine };
}
