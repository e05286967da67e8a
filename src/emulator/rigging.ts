import { z } from 'zod';
import type { MotionFamily } from './glb/clips.js';
import { inspectGlb } from './glb/inspect.js';
import { type Profile, profileTextureSize } from './glb/profiles.js';
import { generateRiggedGlb, type RiggedClip } from './glb/rigged.js';
import { ApiError } from './http.js';
import { type ModelInput, resolveModelInput } from './model-input.js';
import { placeholder, source } from './outputs.js';
import { optional } from './request-fields.js';
import { type AssetSource, type EmulatedResource, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { checkImageUrl } from './sources.js';
import type { Task } from './tasks.js';
import { SAMPLE_PROMPT, SAMPLE_SEED } from './test-mode.js';
import { parseBody, reject } from './validation.js';

/** Auto-rigging (https://docs.meshy.ai/en/api/rigging): a humanoid model gets a skeleton, plus free walking and running clips. */
const RIGGING_PATH = '/openapi/v1/rigging';

/** The emulator's stand-in for Meshy's pose estimation failing (422): put it in the prompt, or the model URL. */
const NOT_HUMANOID_MARKER = '[emulator:not-humanoid]';

/** Any task that made a model can be rigged; the docs only ask for a "textured humanoid task" (https://docs.meshy.ai/en/api/rigging). */
const INPUT_TYPES = ['text-to-3d-preview', 'text-to-3d-refine', 'image-to-3d', 'multi-image-to-3d', 'remesh', 'retexture'];
const MAX_FACES = 300_000;
/** https://docs.meshy.ai/en/api/pricing */
const PRICE = 5;

const schema = z.object({
  input_task_id: optional(z.string()),
  model_url: optional(z.string()),
  height_meters: optional(z.number().positive()),
  texture_image_url: optional(z.string()),
});

/** What an animation of this rig needs to rebuild the same character. */
export interface RiggedCharacter {
  look: string;
  seed: number;
  heightMeters: number;
}

const CHARACTER = 'Character_output';
const BASIC_CLIPS: { key: 'walking' | 'running'; name: string; family: MotionFamily }[] = [
  { key: 'walking', name: 'Walking', family: 'walk' },
  { key: 'running', name: 'Running', family: 'run' },
];
const clipFile = (name: string) => `Animation_${name}_withSkin`;

export const rigging: EmulatedResource = {
  path: RIGGING_PATH,
  plan: (body, context) => planRigging(body, context),

  present(task, context) {
    const url = context.assetUrl;
    const done = context.snapshot.status === 'SUCCEEDED';
    const result = {
      rigged_character_fbx_url: url(`${CHARACTER}.fbx`),
      rigged_character_glb_url: url(`${CHARACTER}.glb`),
      basic_animations: Object.fromEntries(
        BASIC_CLIPS.flatMap(({ key, name }) => [
          [`${key}_glb_url`, url(`${clipFile(name)}.glb`)],
          [`${key}_fbx_url`, url(`${clipFile(name)}.fbx`)],
          [`${key}_armature_glb_url`, url(`${clipFile(name)}_armature.glb`)],
        ]),
      ),
    };
    // https://docs.meshy.ai/en/api/rigging: `result` is null until the task has SUCCEEDED.
    return { id: task.id, type: task.type, ...lifecycleFields(task, context), result: done ? result : null };
  },

  sample: (): RiggedCharacter => SAMPLE_CHARACTER,

  asset(task, file, profile) {
    const character = riggedCharacterOf(task);
    if (file === `${CHARACTER}.glb`) return riggedGlb(character, profile, [], true);
    for (const clip of BASIC_CLIPS) {
      if (file === `${clipFile(clip.name)}.glb`) return riggedGlb(character, profile, [clip], true);
      if (file === `${clipFile(clip.name)}_armature.glb`) return riggedGlb(character, profile, [clip], false);
      if (file === `${clipFile(clip.name)}.fbx`) return placeholder(file);
    }
    if (file === `${CHARACTER}.fbx`) return placeholder(file);
    return undefined;
  },
};

/** https://docs.meshy.ai/en/api/authentication: the test-mode character. */
export const SAMPLE_CHARACTER: RiggedCharacter = { look: SAMPLE_PROMPT, seed: SAMPLE_SEED, heightMeters: 1.7 };

export function riggedCharacterOf(task: Task): RiggedCharacter {
  return task.input as RiggedCharacter;
}

/** The rigged character's GLB, with the given clips; `withSkin` false leaves the armature alone. */
export function riggedGlb(character: RiggedCharacter, profile: Profile, clips: RiggedClip[], withSkin: boolean): AssetSource {
  const request = {
    ...character,
    textureSize: profileTextureSize(profile, '2k'),
    clips: clips.map(({ name, family, ...variation }) => ({ name, family, ...variation })),
    withSkin,
  };
  return source(['rigged', request], () => generateRiggedGlb(request));
}

function planRigging(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  const fields = parseBody(schema, body);
  // https://docs.meshy.ai/en/api/rigging: the model must be a GLB.
  const input = resolveModelInput(fields, context, { taskTypes: INPUT_TYPES, formats: ['glb'] });
  if (input.model.faces > MAX_FACES) reject(`The model has ${input.model.faces} faces; rigging takes at most 300,000: remesh it first`);
  if (fields.texture_image_url) {
    checkImageUrl('texture_image_url', fields.texture_image_url);
    if (!/^data:image\/png;|\.png$/i.test(fields.texture_image_url.split('?')[0]!)) reject('texture_image_url must be a .png image');
  }
  if (!looksHumanoid(input)) throw new ApiError(422, 'Pose estimation failed: the model does not look like a humanoid character facing +Z');
  const character: RiggedCharacter = {
    look: fields.texture_image_url || input.prompt || `uploaded model ${input.model.seed}`,
    seed: input.model.seed,
    heightMeters: fields.height_meters ?? 1.7,
  };
  return {
    type: 'rig',
    credits: PRICE,
    seed: seedOf('rig', body),
    input: character,
    prompt: input.prompt,
    texturePrompt: '',
    ...(input.failure ? { failure: { error: input.failure } } : {}),
  };
}

/**
 * The emulator's pose estimation: the marker in the model's prompt or URL fails it; an uploaded GLB
 * fails when it is much wider than tall (a quadruped, a prop lying down). Chained models pass.
 */
function looksHumanoid(input: ModelInput): boolean {
  if (input.prompt.includes(NOT_HUMANOID_MARKER)) return false;
  if (input.upload && !input.upload.bytes) return !decodeURIComponent(input.upload.url).includes(NOT_HUMANOID_MARKER);
  if (!input.upload?.bytes) return true;
  const summary = inspectGlb(input.upload.bytes);
  if ('error' in summary) return true; // the task fails on its own (invalid_input)
  const height = summary.max[1] - summary.min[1];
  const width = Math.max(summary.max[0] - summary.min[0], summary.max[2] - summary.min[2]);
  return height >= 0.5 * width;
}
