import { createRandom, hash32 } from './random.js';
import { type Joint, jointIndex, localTranslation } from './skeleton.js';

/**
 * Procedural animation clips for the rig: a looping motion sampled into keyframes. Each family of
 * motion (walk, run, idle, fight, dance, jump) is a few parameters; an action's name varies them.
 */
export interface Clip {
  name: string;
  /** Keyframe times in seconds, shared by every track. */
  times: Float32Array;
  tracks: Track[];
}

interface Track {
  joint: number;
  path: 'rotation' | 'translation';
  /** xyzw quaternions or xyz translations, one per keyframe. */
  values: Float32Array;
}

export type MotionFamily = 'walk' | 'run' | 'idle' | 'fight' | 'dance' | 'jump';

interface Motion {
  period: number;
  /** Degrees, unless said otherwise. */
  legSwing: number;
  kneeBend: number;
  /** Arms lowered from the T-pose (negative raises them). */
  armDown: number;
  armSwing: number;
  elbowBend: number;
  /** Hips rise, metres. */
  bounce: number;
  lean: number;
  twist: number;
  sway: number;
  headTurn: number;
}

const MOTIONS: Record<MotionFamily, Motion> = {
  walk: { period: 1.1, legSwing: 25, kneeBend: 35, armDown: 70, armSwing: 20, elbowBend: 15, bounce: 0.02, lean: 3, twist: 5, sway: 0, headTurn: 0 },
  run: { period: 0.7, legSwing: 40, kneeBend: 75, armDown: 65, armSwing: 35, elbowBend: 70, bounce: 0.05, lean: 10, twist: 8, sway: 0, headTurn: 0 },
  idle: { period: 3, legSwing: 0, kneeBend: 3, armDown: 75, armSwing: 3, elbowBend: 10, bounce: 0.005, lean: 1, twist: 2, sway: 1, headTurn: 10 },
  fight: { period: 1, legSwing: 8, kneeBend: 20, armDown: 40, armSwing: 50, elbowBend: 80, bounce: 0.02, lean: 8, twist: 20, sway: 0, headTurn: 0 },
  dance: { period: 1.2, legSwing: 12, kneeBend: 25, armDown: -20, armSwing: 30, elbowBend: 30, bounce: 0.04, lean: 0, twist: 10, sway: 10, headTurn: 10 },
  jump: { period: 1.2, legSwing: 10, kneeBend: 55, armDown: 20, armSwing: 45, elbowBend: 20, bounce: 0.25, lean: 5, twist: 0, sway: 0, headTurn: 0 },
};

/** How a library action (https://docs.meshy.ai/en/api/animation) moves: its category and sub-category pick the family. */
export function motionFamilyOf(category: string, subCategory: string, name: string): MotionFamily {
  if (/jump/i.test(`${subCategory} ${name}`)) return 'jump';
  if (category === 'WalkAndRun') return /run|sprint/i.test(`${subCategory} ${name}`) ? 'run' : 'walk';
  if (category === 'Fighting') return 'fight';
  if (category === 'Dancing') return 'dance';
  if (category === 'BodyMovements') return 'jump';
  return 'idle';
}

/** How a Text to Motion prompt (https://docs.meshy.ai/en/api/text-to-motion) moves: the words it uses pick the family. */
export function motionFamilyOfPrompt(prompt: string): MotionFamily {
  if (/\b(jump|leap|hop)/i.test(prompt)) return 'jump';
  if (/\b(run|sprint|dash|jog)/i.test(prompt)) return 'run';
  if (/\b(walk|shambl|stroll|march|limp|stagger|sneak)/i.test(prompt)) return 'walk';
  if (/\b(danc|spin|twirl)/i.test(prompt)) return 'dance';
  if (/\b(punch|kick|fight|attack|slash|strike|swing|box)/i.test(prompt)) return 'fight';
  return 'idle';
}

const FRAMES = 24;

/**
 * One looping clip named `name`; `seed` (the name by default) seeds small variations of its
 * family's motion. With `duration` the clip lasts that long: whole cycles of the motion.
 */
export function buildClip(
  joints: readonly Joint[],
  name: string,
  family: MotionFamily,
  { duration, seed = name }: { duration?: number; seed?: string } = {},
): Clip {
  const random = createRandom(hash32('clip', seed));
  const vary = (value: number) => value * (0.8 + 0.4 * random());
  const base = MOTIONS[family];
  const motion = Object.fromEntries(Object.entries(base).map(([key, value]) => [key, vary(value)])) as unknown as Motion;
  const cycles = duration === undefined ? 1 : Math.max(1, Math.round(duration / motion.period));
  if (duration !== undefined) motion.period = duration / cycles;
  const frames = FRAMES * cycles;
  const times = Float32Array.from({ length: frames + 1 }, (_, frame) => (motion.period * cycles * frame) / frames);
  const phases = [...times].map((time) => (2 * Math.PI * time) / motion.period);
  const rotation = (jointName: string, at: (phase: number) => Quaternion): Track => ({
    joint: jointIndex(joints, jointName),
    path: 'rotation',
    values: Float32Array.from(phases.flatMap((phase) => at(phase))),
  });
  const hips = jointIndex(joints, 'Hips');
  const rest = localTranslation(joints, hips);
  const scale = rest[1] / 0.95;
  const tracks: Track[] = [
    {
      joint: hips,
      path: 'translation',
      values: Float32Array.from(phases.flatMap((phase) => [rest[0], rest[1] + motion.bounce * scale * Math.abs(Math.sin(phase)), rest[2]])),
    },
    rotation('Hips', (p) => multiply(axisAngle('y', motion.twist * Math.sin(p)), axisAngle('z', motion.sway * Math.sin(p)))),
    rotation('Spine', (p) => axisAngle('x', motion.lean + motion.lean * 0.2 * Math.sin(2 * p))),
    rotation('Spine1', (p) => axisAngle('y', -motion.twist * 0.5 * Math.sin(p))),
    rotation('Head', (p) => axisAngle('y', motion.headTurn * Math.sin(p))),
  ];
  for (const [side, sign] of [
    ['Left', 1],
    ['Right', -1],
  ] as const) {
    const offset = side === 'Left' ? 0 : Math.PI;
    tracks.push(
      rotation(`${side}UpLeg`, (p) => axisAngle('x', -motion.legSwing * Math.sin(p + offset))),
      rotation(`${side}Leg`, (p) => axisAngle('x', motion.kneeBend * Math.max(0, Math.sin(p + offset + Math.PI / 2)))),
      // Lower the arm from the T-pose, then swing it opposite to its leg.
      rotation(`${side}Arm`, (p) => multiply(axisAngle('x', motion.armSwing * Math.sin(p + offset)), axisAngle('z', -sign * motion.armDown))),
      rotation(`${side}ForeArm`, (p) => axisAngle('y', -sign * motion.elbowBend * (0.6 + 0.4 * Math.sin(p + offset)))),
    );
  }
  return { name, times, tracks };
}

type Quaternion = [number, number, number, number];

function axisAngle(axis: 'x' | 'y' | 'z', degrees: number): Quaternion {
  const half = (degrees * Math.PI) / 360;
  const s = Math.sin(half);
  return [axis === 'x' ? s : 0, axis === 'y' ? s : 0, axis === 'z' ? s : 0, Math.cos(half)];
}

/** a ⊗ b: rotate by b, then by a. */
function multiply([ax, ay, az, aw]: Quaternion, [bx, by, bz, bw]: Quaternion): Quaternion {
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}
