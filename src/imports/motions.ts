import { z } from 'zod';
import { ANIMATION_CREDITS_PER_ACTION, MOTION_CREDITS } from '../meshy/pricing.js';
import type { SpecProblem } from './errors.js';
import { choices, oneOf, text } from './params.js';
import { quote } from './printable.js';

/**
 * Text to Motion clips (https://docs.meshy.ai/en/api/text-to-motion): `&motion=a zombie shamble` writes a custom clip, which an
 * animation task applies to the rig (`motion_task_id`, https://docs.meshy.ai/en/api/animation). Several clips come from a
 * named model's `motions: { shamble: { prompt, duration, mode } }`, which reaches the query as `motions=<JSON>`.
 */

const MOTION_MODES = ['swift', 'prime'] as const;
type MotionMode = (typeof MOTION_MODES)[number];
const DEFAULT_MODE: MotionMode = 'swift';
const MAX_MOTION_PROMPT_LENGTH = 400;
/** Seconds (https://docs.meshy.ai/en/api/text-to-motion): 2 to 10 in steps of 0.5. */
const DURATION = { min: 2, max: 10, step: 0.5, fallback: 4 } as const;
const DEFAULT_NAME = 'motion';
/** Each clip is two tasks; as many as one animation task holds library clips. */
const MAX_MOTIONS = 10;
const CLIP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** One custom clip: what the Text to Motion task is asked, and the clip's name in the GLB. */
export interface MotionClip {
  name: string;
  prompt: string;
  /** Seconds. */
  duration: number;
  mode: MotionMode;
}

const durationProblem = (seconds: number): string | undefined =>
  seconds < DURATION.min || seconds > DURATION.max || !Number.isInteger(seconds / DURATION.step)
    ? `must be ${DURATION.min} to ${DURATION.max} seconds in steps of ${DURATION.step}; got ${seconds}`
    : undefined;

const duration = z.number().superRefine((seconds, context) => {
  const problem = durationProblem(seconds);
  if (problem) context.addIssue({ code: 'custom', message: problem });
});

const clipName = z.string().regex(CLIP_NAME, {
  error: (issue) => `a clip name is a letter, then letters, digits, "_" or "-" (at most 64); got ${quote(String(issue.input))}`,
});

export const motionQueryShape = () => ({
  motion: text(MAX_MOTION_PROMPT_LENGTH).optional(),
  motion_duration: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, { error: (issue) => `expected seconds such as 4 or 2.5; got ${quote(String(issue.input))}` })
    .transform(Number)
    .pipe(duration)
    .optional(),
  motion_mode: oneOf(MOTION_MODES).optional(),
  motion_name: clipName.optional(),
  /** `{ "<clip name>": { "prompt": "…", "duration": 4, "mode": "swift" } }`, as a named model's `motions` writes it. */
  motions: z.string().brand<'MotionsJson'>().optional(),
});

export const motionDefinition = z.strictObject({
  prompt: text(MAX_MOTION_PROMPT_LENGTH),
  duration: duration.optional(),
  mode: z.enum(MOTION_MODES, { error: (issue) => `mode: expected one of ${MOTION_MODES.join(', ')}; got ${quote(String(issue.input))}` }).optional(),
});

const clipPrice = (mode: MotionMode) => `+${MOTION_CREDITS[mode] + ANIMATION_CREDITS_PER_ACTION}`;

export const MOTION_QUERY_DOCS: Record<keyof ReturnType<typeof motionQueryShape>, string> = {
  motion:
    `a custom clip from Meshy Text to Motion, e.g. "a zombie shamble" (implies rig; at most ${MAX_MOTION_PROMPT_LENGTH} characters; ` +
    `${clipPrice('swift')} credits swift, ${clipPrice('prime')} prime, motion and animation tasks)`,
  motion_duration: `the clip's length in seconds, ${DURATION.min}–${DURATION.max} in steps of ${DURATION.step} (default ${DURATION.fallback})`,
  motion_mode: `${choices(MOTION_MODES)} (default ${DEFAULT_MODE})`,
  motion_name: `the clip's name in the GLB (default "${DEFAULT_NAME}")`,
  motions: 'several custom clips: set `motions: { shamble: { prompt, duration, mode } }` on a named model',
};

type MotionQuery = { [K in keyof ReturnType<typeof motionQueryShape>]?: z.output<ReturnType<typeof motionQueryShape>[K]> };

/** The custom clips of a query, in order, and every problem with them; `taken` are the library clips' names. */
export function motionsFromQuery(query: MotionQuery, taken: readonly string[]): { clips: MotionClip[]; problems: SpecProblem[]; asked: boolean } {
  const problems: SpecProblem[] = [];
  const clips: MotionClip[] = [];
  const add = (clip: MotionClip, key: string) => {
    if (taken.includes(clip.name) || clips.some((other) => other.name === clip.name)) {
      problems.push({ key, message: `two clips would be named "${clip.name}"; give the motion another name` });
    } else {
      clips.push(clip);
    }
  };
  if (query.motion !== undefined) {
    add(
      {
        name: query.motion_name ?? DEFAULT_NAME,
        prompt: query.motion,
        duration: query.motion_duration ?? DURATION.fallback,
        mode: query.motion_mode ?? DEFAULT_MODE,
      },
      query.motion_name === undefined ? 'motion' : 'motion_name',
    );
  } else {
    for (const key of ['motion_duration', 'motion_mode', 'motion_name'] as const) {
      if (query[key] !== undefined) problems.push({ key, message: 'only applies with motion=<prompt>' });
    }
  }
  if (query.motions !== undefined) {
    for (const parsed of parseMotions(query.motions)) {
      if ('problem' in parsed) problems.push({ key: 'motions', message: parsed.problem });
      else add(parsed.clip, 'motions');
    }
  }
  if (clips.length > MAX_MOTIONS) problems.push({ key: 'motions', message: `at most ${MAX_MOTIONS} custom clips per model; got ${clips.length}` });
  return { clips, problems, asked: query.motion !== undefined || query.motions !== undefined };
}

function parseMotions(json: string): ({ clip: MotionClip } | { problem: string })[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [{ problem: 'expected { "<clip name>": { "prompt": "…", "duration": 4, "mode": "swift" } } as JSON' }];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ problem: 'expected an object of clips by name: { shamble: { prompt, duration, mode } }' }];
  }
  return Object.entries(value).map(([name, definition]) => {
    const named = clipName.safeParse(name);
    if (!named.success) return { problem: named.error.issues[0]!.message };
    const parsed = motionDefinition.safeParse(definition);
    if (!parsed.success)
      return { problem: `${name}: ${parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ` : '') + issue.message).join('; ')}` };
    return { clip: { name, prompt: parsed.data.prompt, duration: parsed.data.duration ?? DURATION.fallback, mode: parsed.data.mode ?? DEFAULT_MODE } };
  });
}
