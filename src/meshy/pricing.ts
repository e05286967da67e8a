/**
 * What a task costs, from the reference's pricing table (§7, Oct 2026). Used to estimate a build's
 * cost before anything is spent; the credits actually charged are read from each task.
 */

const CHEAP_PREVIEW_MODELS = new Set(['meshy-5', 'meshy-6-lite', 'meshy-t2', 'meshy-t2.5']);

export function textTo3dCredits(body: Record<string, unknown>): number {
  if (body.mode === 'refine') return body.texture_resolution === '8k' ? 15 : 10;
  const model = String(body.ai_model ?? 'latest');
  const base = body.model_type === 'smart-topology' || CHEAP_PREVIEW_MODELS.has(model) ? 5 : 20;
  const ultra = body.geometry_resolution === '2k' || body.geometry_resolution === '4k' || body.ultra_mode === true;
  return base + (ultra ? 5 : 0);
}
