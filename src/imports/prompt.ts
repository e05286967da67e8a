import { z } from 'zod';
import { flag, imageUrl, oneOf, text, wholeNumber } from './params.js';
import { AI_MODELS, generationProblems, geometryFields } from './models.js';
import type { SpecProblem } from './errors.js';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape, overridesFromQuery } from './optimize-keys.js';
import type { OptimizeOverrides } from '../optimize/options.js';
import { RIG_QUERY_DOCS, rigQueryShape, rigSpecFromQuery, type RigSpec } from './rig.js';

/** Meshy's documented prompt limit in the June/August 2026 docs; later docs allow 800, we keep the safe one. */
export const MAX_PROMPT_LENGTH = 600;

/**
 * `meshy:prompt?…` — Text to 3D. Keys are Meshy's own parameter names (https://docs.meshy.ai/en/api/text-to-3d),
 * except `text` (the prompt), `textured` (false = preview only), and `name` (the emitted file's name).
 */
export const promptQuerySchema = z.strictObject({
  text: text(MAX_PROMPT_LENGTH),
  name: z.string().trim().min(1).max(80).optional(),
  textured: flag().optional(),
  // preview stage
  ai_model: oneOf(AI_MODELS).optional(),
  model_type: oneOf(['standard', 'smart-topology']).optional(),
  topology: oneOf(['triangle', 'quad']).optional(),
  target_polycount: wholeNumber(100, 300_000).optional(),
  decimation_mode: wholeNumber(1, 4).optional(),
  should_remesh: flag().optional(),
  geometry_resolution: oneOf(['standard', '2k', '4k']).optional(),
  symmetry_mode: oneOf(['off', 'auto', 'on']).optional(),
  pose_mode: oneOf(['a-pose', 't-pose', '']).optional(),
  art_style: oneOf(['realistic', 'sculpture']).optional(),
  seed: wholeNumber(0, 2_147_483_647).optional(),
  moderation: flag().optional(),
  auto_size: flag().optional(),
  origin_at: oneOf(['bottom', 'center']).optional(),
  // refine stage
  enable_pbr: flag().optional(),
  texture_prompt: text(MAX_PROMPT_LENGTH).optional(),
  texture_image_url: imageUrl().optional(),
  texture_resolution: oneOf(['2k', '4k', '8k']).optional(),
  remove_lighting: flag().optional(),
  // rigging and animation (later tasks on the same model)
  ...rigQueryShape,
  // optimize stage (not sent to Meshy; see optimize-keys.ts)
  ...optimizeQueryShape,
});

export type PromptQuery = z.infer<typeof promptQuerySchema>;

export const PROMPT_OPTION_DOCS: Record<keyof PromptQuery, string> = {
  text: 'the prompt (required, at most 600 characters)',
  name: 'base name of the emitted file (default: a slug of the prompt)',
  textured: 'false = geometry only (preview stage), default true (preview then refine)',
  ai_model: 'meshy-5 | meshy-6 | meshy-6-lite | meshy-7 | meshy-7.1 | meshy-t2 | meshy-t2.5 | latest (pinned)',
  model_type: 'standard | smart-topology',
  topology: 'triangle | quad (remeshed models)',
  target_polycount: '100–300000 (smart-topology: up to 15000 / 30000); implies should_remesh',
  decimation_mode: '1 ultra | 2 high | 3 medium | 4 low; overrides target_polycount',
  should_remesh: 'true | false',
  geometry_resolution: 'standard | 2k | 4k',
  symmetry_mode: 'off | auto | on (deprecated by Meshy, no effect)',
  pose_mode: 'a-pose | t-pose',
  art_style: 'realistic | sculpture (deprecated, meshy-5 only)',
  seed: 'a whole number; a different seed is a different roll',
  moderation: 'screen the prompts for harmful content',
  auto_size: 'scale the model to its estimated real-world size',
  origin_at: 'bottom | center (with auto_size)',
  enable_pbr: 'add metallic, roughness and normal maps',
  texture_prompt: 'what the texture should look like (at most 600 characters)',
  texture_image_url: 'https:// URL or data URI of a texture reference image',
  texture_resolution: '2k | 4k | 8k',
  remove_lighting: 'strip baked lighting from the texture (default true)',
  ...RIG_QUERY_DOCS,
  ...OPTIMIZE_QUERY_DOCS,
};

export const PROMPT_OPTION_KEYS = Object.keys(promptQuerySchema.shape) as (keyof PromptQuery)[];

const REFINE_KEYS = ['enable_pbr', 'texture_prompt', 'texture_image_url', 'texture_resolution', 'remove_lighting'] as const;

type JsonValue = string | number | boolean | string[];

export interface PromptSpec extends RigSpec {
  kind: 'prompt';
  /** Body of `POST /openapi/v2/text-to-3d` with mode "preview": defaults left out, the model pinned. */
  preview: Record<string, JsonValue>;
  /** Body of the refine request without `preview_task_id`; null when only geometry is wanted. */
  refine: Record<string, JsonValue> | null;
  /** File name for the asset (not part of the request, so not part of the cache key). */
  name: string;
  /** Per-import optimize overrides: part of the optimized level's key only, never of the Meshy request. */
  optimize?: OptimizeOverrides;
}

/** Problems that no single field shows: combinations Meshy rejects with a 400. */
export function promptQueryProblems(query: PromptQuery): SpecProblem[] {
  const problems = generationProblems(query);
  const rig = rigSpecFromQuery(query);
  problems.push(...rig.problems);
  if (rig.spec.rig && query.textured === false) problems.push({ key: 'rig', message: 'Meshy rigs textured models only; drop textured=false' });
  if (query.textured === false) {
    for (const key of REFINE_KEYS) {
      if (query[key] !== undefined) problems.push({ key, message: 'is a texturing option, but textured=false skips texturing' });
    }
  }
  return problems;
}

/** Turns a validated query into the exact requests, leaving out every value that equals Meshy's default. */
export function promptSpecFromQuery(query: PromptQuery): PromptSpec {
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
  const optimize = overridesFromQuery(query);
  const { spec: rig } = rigSpecFromQuery(query);
  return { kind: 'prompt', preview, refine, name: query.name ?? slugify(query.text), ...rig, ...(optimize ? { optimize } : {}) };
}

/** File-name friendly, short, never empty: "A Weathered Viking Helmet!" → "a-weathered-viking-helmet". */
export function slugify(value: string, maxLength = 48): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'model';
}
