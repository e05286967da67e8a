import { z } from 'zod';
import { ANIMATION_CREDITS_PER_ACTION, RIGGING_CREDITS } from '../meshy/pricing.js';
import { MAX_ANIMATIONS, type ResolvedAnimation, resolveAnimations } from './animations.js';
import type { SpecProblem } from './errors.js';
import { MOTION_QUERY_DOCS, type MotionClip, motionQueryShape, motionsFromQuery } from './motions.js';
import { commaList, flag } from './params.js';

/**
 * `&rig` and `&animation=walk,idle` on any model import: the model is rigged (Meshy's auto-rigging,
 * https://docs.meshy.ai/en/api/rigging), then animated with library actions in one task
 * (https://docs.meshy.ai/en/api/animation), and the result is one GLB with the
 * skeleton and a clip per action, named as the import wrote them.
 */
/** Meshy's default character height for rigging, left out of the spec (https://docs.meshy.ai/en/api/rigging). */
const DEFAULT_RIG_HEIGHT = 1.7;
const MAX_RIG_HEIGHT = 100;

export const rigQueryShape = () => ({
  rig: flag().optional(),
  rig_height: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { error: (issue) => `expected a height in metres such as 1.7; got "${String(issue.input)}"` })
    .transform(Number)
    .pipe(z.number().gt(0, 'must be more than 0').max(MAX_RIG_HEIGHT, `must be at most ${MAX_RIG_HEIGHT} (metres)`))
    .optional(),
  animation: commaList().optional(),
  ...motionQueryShape(),
});

export const RIG_QUERY_DOCS: Record<keyof ReturnType<typeof rigQueryShape>, string> = {
  rig: `rig a humanoid model with Meshy auto-rigging (+${RIGGING_CREDITS} credits); the GLB gets a 24-joint skeleton`,
  rig_height: `the character's height in metres for rigging (default ${DEFAULT_RIG_HEIGHT})`,
  animation:
    "comma-separated clips from Meshy's animation library, e.g. walk,idle or Regular_Jump " +
    `(implies rig; +${ANIMATION_CREDITS_PER_ACTION} credits each, at most ${MAX_ANIMATIONS}; walk and run come free with the rig)`,
  ...MOTION_QUERY_DOCS,
};

export type RigQuery = { [K in keyof ReturnType<typeof rigQueryShape>]?: z.output<ReturnType<typeof rigQueryShape>[K]> };

/** What rigging and animation add to a spec; absent when neither was asked for, so keys stay stable. */
export interface RigSpec {
  /** Body of the rigging request, without its input. */
  rig?: { height_meters?: number };
  /** Library actions, in clip order. */
  animations?: ResolvedAnimation[];
  /** Text to Motion clips, after the library ones. */
  motions?: MotionClip[];
}

export function rigSpecFromQuery(query: RigQuery): { spec: RigSpec; problems: SpecProblem[] } {
  const problems: SpecProblem[] = [];
  let animations: ResolvedAnimation[] | undefined;
  if (query.animation !== undefined) {
    const names = query.animation.split(',').map((name) => name.trim());
    const resolved = resolveAnimations(names);
    if ('problems' in resolved) problems.push(...resolved.problems.map((message) => ({ key: 'animation', message })));
    else animations = resolved.ok;
  }
  const motions = motionsFromQuery(query, animations?.map((clip) => clip.name) ?? []);
  problems.push(...motions.problems);
  const animated = query.animation !== undefined || motions.asked;
  if (query.rig === false && animated) problems.push({ key: 'rig', message: 'animations need a rig: drop rig=false' });
  if (query.rig_height !== undefined && !query.rig && !animated) problems.push({ key: 'rig_height', message: 'only applies with rig' });
  const wantsRig = query.rig === true || animated;
  if (!wantsRig) return { spec: {}, problems };
  const rig = query.rig_height !== undefined && query.rig_height !== DEFAULT_RIG_HEIGHT ? { height_meters: query.rig_height } : {};
  return { spec: { rig, ...(animations?.length ? { animations } : {}), ...(motions.clips.length ? { motions: motions.clips } : {}) }, problems };
}
