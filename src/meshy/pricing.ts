import type { MeshyResourceName } from './resources.js';

/**
 * What a task costs, from the reference's pricing table (https://docs.meshy.ai/en/api/pricing, Oct 2026). Used to estimate a build's
 * cost before anything is spent; the credits actually charged are read from each task.
 */

const CHEAP_PREVIEW_MODELS = new Set(['meshy-5', 'meshy-6-lite', 'meshy-t2', 'meshy-t2.5']);

function textTo3dCredits(body: Record<string, unknown>): number {
  if (body.mode === 'refine') return body.texture_resolution === '8k' ? 15 : 10;
  const model = String(body.ai_model ?? 'latest');
  const base = body.model_type === 'smart-topology' || CHEAP_PREVIEW_MODELS.has(model) ? 5 : 20;
  const ultra = body.geometry_resolution === '2k' || body.geometry_resolution === '4k' || body.ultra_mode === true;
  return base + (ultra ? 5 : 0);
}

const CHEAP_3D_MODELS = new Set(['meshy-5', 'meshy-6-lite']);

/** Image and multi-image to 3D (https://docs.meshy.ai/en/api/pricing): by model, textured or not, 8k, and +5 for 2k/4k geometry. */
function imageTo3dCredits(body: Record<string, unknown>): number {
  const model = String(body.ai_model ?? 'latest');
  const textured = body.should_texture !== false;
  const smart = body.model_type === 'smart-topology';
  const cheap = smart || CHEAP_3D_MODELS.has(model);
  const eightK = textured && body.texture_resolution === '8k';
  const base = cheap ? (textured ? (eightK && smart ? 20 : 15) : 5) : textured ? (eightK ? 35 : 30) : 20;
  const ultra = body.geometry_resolution === '2k' || body.geometry_resolution === '4k' || body.ultra_mode === true;
  return base + (ultra ? 5 : 0);
}

export const RIGGING_CREDITS = 5;
export const ANIMATION_CREDITS_PER_ACTION = 3;
/** Text to Motion by `mode`; Meshy's default is `prime` (https://docs.meshy.ai/en/api/text-to-motion). */
export const MOTION_CREDITS = { prime: 10, swift: 3 } as const;

const IMAGE_MODEL_CREDITS: Record<string, number> = { 'nano-banana': 3, 'nano-banana-2': 6, 'nano-banana-pro': 9, 'gpt-image-2': 9 };

/** The price of one task of each resource (resources.ts), from its request body. */
const RESOURCE_CREDITS: Record<MeshyResourceName, (body: Record<string, unknown>) => number> = {
  'text-to-3d': textTo3dCredits,
  'image-to-3d': imageTo3dCredits,
  'multi-image-to-3d': imageTo3dCredits,
  retexture: (body) => (body.texture_resolution === '8k' ? 15 : 10),
  remesh: () => 5,
  rigging: () => RIGGING_CREDITS,
  animation: (body) => ANIMATION_CREDITS_PER_ACTION * (Array.isArray(body.action_ids) ? body.action_ids.length : 1),
  'text-to-image': (body) => IMAGE_MODEL_CREDITS[String(body.ai_model)] ?? 9,
  'text-to-motion': (body) => (body.mode === 'swift' ? MOTION_CREDITS.swift : MOTION_CREDITS.prime),
  'image-to-image': (body) => (body.ai_model === 'gpt-image-2' ? 12 : (IMAGE_MODEL_CREDITS[String(body.ai_model)] ?? 12)),
};

/** What one task of a resource costs (https://docs.meshy.ai/en/api/pricing), by the resource's name; 0 for a name that is none. */
export function taskCredits(resource: string, body: Record<string, unknown>): number {
  return Object.hasOwn(RESOURCE_CREDITS, resource) ? RESOURCE_CREDITS[resource as MeshyResourceName](body) : 0;
}
