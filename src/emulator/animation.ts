import { z } from 'zod';
import { type LibraryAction, libraryAction } from './animation-library.js';
import { motionFamilyOf, motionFamilyOfPrompt } from './glb/clips.js';
import type { RiggedClip } from './glb/rigged.js';
import { placeholder } from './outputs.js';
import { optional } from './request-fields.js';
import { type EmulatedResource, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { type RiggedCharacter, riggedCharacterOf, riggedGlb, SAMPLE_CHARACTER } from './rigging.js';
import { chainedTask } from './sources.js';
import type { Task } from './tasks.js';
import { type MotionInput, motionOf } from './text-to-motion.js';
import { parseBody, reject } from './validation.js';

/** Animation (https://docs.meshy.ai/en/api/animation): library actions applied to a rigged character, one clip per action. */
const ANIMATION_PATH = '/openapi/v1/animations';

/** https://docs.meshy.ai/en/api/pricing: 3 credits per action. */
const PRICE_PER_ACTION = 3;
const MAX_ACTIONS = 10;
const FPS_VALUES = [24, 25, 30, 60];

const schema = z.object({
  rig_task_id: z.string(),
  action_id: optional(z.int()),
  action_ids: optional(z.array(z.int())),
  motion_task_id: optional(z.string()),
  post_process: optional(
    z.object({
      operation_type: z.enum(['change_fps', 'fbx2usdz', 'extract_armature']),
      fps: optional(z.int().refine((fps) => FPS_VALUES.includes(fps), `must be one of ${FPS_VALUES.join(', ')}`)),
    }),
  ),
});

type PostProcess = NonNullable<z.output<typeof schema>['post_process']>;

interface AnimationInput {
  character: RiggedCharacter;
  /** Library actions; empty when a Text to Motion clip is applied. */
  actions: LibraryAction[];
  motion?: MotionInput;
  postProcess?: PostProcess;
}

/** The name of the one clip a `motion_task_id` animation holds; Meshy's is undocumented. */
const MOTION_CLIP = 'Text_to_Motion';

export const animation: EmulatedResource = {
  path: ANIMATION_PATH,
  plan: (body, context) => planAnimation(body, context),

  present(task, context) {
    const input = inputOf(task);
    const done = context.snapshot.status === 'SUCCEEDED';
    const url = context.assetUrl;
    const processed = processedFile(input.postProcess);
    const result = {
      animation_glb_url: url(`${animationFile(input)}.glb`),
      animation_fbx_url: url(`${animationFile(input)}.fbx`),
      // Only the URL of the post-processing asked for; absent ones are left out (https://docs.meshy.ai/en/api/animation leaves it open).
      ...(processed ? { [processed.field]: url(processed.file) } : {}),
    };
    return { id: task.id, type: task.type, ...lifecycleFields(task, context), result: done ? result : null };
  },

  // https://docs.meshy.ai/en/api/authentication: the sample character doing the library's first action, whatever was asked.
  sample: (input) => {
    const { motion: _, ...rest } = input as AnimationInput;
    return { ...rest, character: SAMPLE_CHARACTER, actions: [libraryAction(0)!] };
  },

  asset(task, file, profile) {
    const input = inputOf(task);
    if (file === `${animationFile(input)}.glb`) {
      return riggedGlb(input.character, profile, clipsOf(input), true);
    }
    if (file === `${animationFile(input)}.fbx` || file === processedFile(input.postProcess)?.file) return placeholder(file);
    return undefined;
  },
};

function planAnimation(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  const fields = parseBody(schema, body);
  const sources = [fields.action_id, fields.action_ids, fields.motion_task_id].filter((value) => value !== undefined).length;
  if (sources === 0) reject('action_id, action_ids or motion_task_id is required');
  if (sources > 1) reject('give only one of action_id, action_ids and motion_task_id');
  const rig = chainedTask('rig_task_id', fields.rig_task_id, context, ['rig'], 404);
  if (fields.motion_task_id !== undefined) {
    // https://docs.meshy.ai/en/api/animation: a SUCCEEDED Text to Motion task of the caller, within retention, on a biped rig
    // (every rig the emulator makes is one: its pose estimation refuses what is not a humanoid).
    const motion = motionOf(chainedTask('motion_task_id', fields.motion_task_id, context, ['text-to-motion'], 404));
    const input: AnimationInput = {
      character: riggedCharacterOf(rig),
      actions: [],
      motion,
      ...(fields.post_process ? { postProcess: fields.post_process } : {}),
    };
    return { type: 'animate', credits: PRICE_PER_ACTION, seed: seedOf('animate', body), input, prompt: motion.prompt, texturePrompt: '' };
  }
  const ids = fields.action_ids ?? [fields.action_id!];
  if (fields.action_ids && (ids.length < 1 || ids.length > MAX_ACTIONS)) reject(`action_ids must hold 1 to ${MAX_ACTIONS} actions (got ${ids.length})`);
  if (new Set(ids).size !== ids.length) reject('action_ids must be distinct');
  const actions = ids.map((id) => libraryAction(id) ?? reject(`${fields.action_ids ? 'action_ids' : 'action_id'} ${id} is not in the animation library`));
  const input: AnimationInput = { character: riggedCharacterOf(rig), actions, ...(fields.post_process ? { postProcess: fields.post_process } : {}) };
  return {
    type: 'animate',
    credits: PRICE_PER_ACTION * actions.length,
    seed: seedOf('animate', body),
    input,
    prompt: '',
    texturePrompt: '',
  };
}

/** https://docs.meshy.ai/en/api/animation: the files are named after the (first) action, e.g. `Animation_Idle_withSkin.glb`. */
function animationFile(input: AnimationInput): string {
  const name = input.actions[0]?.name ?? MOTION_CLIP;
  return `Animation_${name.replace(/[^A-Za-z0-9_-]/g, '_')}_withSkin`;
}

/**
 * One clip per action, in the given order, named after the library's `name` (https://docs.meshy.ai/en/api/animation); a
 * Text to Motion clip lasts the motion's duration and moves as its prompt says.
 */
function clipsOf(input: AnimationInput): RiggedClip[] {
  if (input.motion) {
    const { prompt, duration } = input.motion;
    return [{ name: MOTION_CLIP, family: motionFamilyOfPrompt(prompt), duration, seed: prompt }];
  }
  return input.actions.map((action) => ({ name: action.name, family: motionFamilyOf(action.category, action.sub_category, action.name) }));
}

/** https://docs.meshy.ai/en/api/animation: where each post-processing puts its file. `fps` only matters for change_fps (ignored otherwise). */
function processedFile(postProcess: PostProcess | undefined): { field: string; file: string } | undefined {
  switch (postProcess?.operation_type) {
    case 'fbx2usdz':
      return { field: 'processed_usdz_url', file: 'processed.usdz' };
    case 'extract_armature':
      return { field: 'processed_armature_fbx_url', file: 'processed_armature.fbx' };
    case 'change_fps':
      return { field: 'processed_animation_fps_fbx_url', file: `processed_${postProcess.fps ?? 30}fps.fbx` };
    default:
      return undefined;
  }
}

function inputOf(task: Task): AnimationInput {
  return task.input as AnimationInput;
}
