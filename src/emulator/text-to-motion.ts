import { z } from 'zod';
import { ApiError } from './http.js';
import { placeholder } from './outputs.js';
import { optional } from './request-fields.js';
import { type EmulatedResource, lifecycleFields, seedOf, type TaskPlan } from './resource.js';
import type { Task } from './tasks.js';
import { parseBody } from './validation.js';

/**
 * Text to Motion (https://docs.meshy.ai/en/api/text-to-motion): a prompt becomes a standalone
 * humanoid clip, applied to a rigged character by an Animation task's `motion_task_id`.
 */
const TEXT_TO_MOTION_PATH = '/openapi/v1/text-to-motion';

const MOTION_MODES = ['prime', 'swift'] as const;
type MotionMode = (typeof MOTION_MODES)[number];
/** https://docs.meshy.ai/en/api/pricing */
const PRICES: Record<MotionMode, number> = { prime: 10, swift: 3 };
/** https://docs.meshy.ai/en/api/text-to-motion: `prime` makes FBX, `swift` BVH. */
const OUTPUT: Record<MotionMode, { field: string; file: string }> = {
  prime: { field: 'motion_fbx_url', file: 'motion.fbx' },
  swift: { field: 'motion_bvh_url', file: 'motion.bvh' },
};
const MAX_PROMPT_LENGTH = 400;
const DURATION = { min: 2, max: 10, step: 0.5 };

/** The emulator's stand-in for Meshy's moderation refusing a prompt (403): put it in the prompt. */
const FLAGGED_MARKER = '[emulator:flagged]';

const schema = z.object({
  prompt: z
    .string()
    .max(MAX_PROMPT_LENGTH)
    .refine((text) => text.trim() !== '', 'must not be empty'),
  mode: optional(z.enum(MOTION_MODES)),
  duration: z
    .number()
    .min(DURATION.min)
    .max(DURATION.max)
    .refine((seconds) => Number.isInteger(seconds / DURATION.step), `must be a multiple of ${DURATION.step} seconds`),
});

/** What an animation of this motion needs to rebuild the same clip. */
export interface MotionInput {
  prompt: string;
  mode: MotionMode;
  duration: number;
}

export const textToMotion: EmulatedResource = {
  path: TEXT_TO_MOTION_PATH,
  plan: (body) => planMotion(body),

  present(task, context) {
    const input = motionOf(task);
    const done = context.snapshot.status === 'SUCCEEDED';
    const output = OUTPUT[input.mode];
    // The result's field names are not documented; like rigging and animation, `result` is null until SUCCEEDED.
    return {
      id: task.id,
      type: task.type,
      prompt: input.prompt,
      mode: input.mode,
      duration: input.duration,
      ...lifecycleFields(task, context),
      result: done ? { [output.field]: context.assetUrl(output.file) } : null,
    };
  },

  sample: (input) => ({ ...(input as MotionInput), prompt: 'a person waves hello' }),

  asset(task, file) {
    return file === OUTPUT[motionOf(task).mode].file ? placeholder(file) : undefined;
  },
};

function planMotion(body: Record<string, unknown>): TaskPlan {
  const fields = parseBody(schema, body);
  // https://docs.meshy.ai/en/api/text-to-motion: a prompt the moderation flags is refused with a 403.
  if (fields.prompt.includes(FLAGGED_MARKER)) throw new ApiError(403, 'The prompt was flagged by moderation');
  const input: MotionInput = { prompt: fields.prompt, mode: fields.mode ?? 'prime', duration: fields.duration };
  return { type: 'text-to-motion', credits: PRICES[input.mode], seed: seedOf('motion', body), input, prompt: input.prompt, texturePrompt: '' };
}

export function motionOf(task: Task): MotionInput {
  return task.input as MotionInput;
}
