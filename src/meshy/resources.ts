import type { z } from 'zod';
// Types only: the schemas load with the client (task-schemas.ts), on the first call to Meshy, never on a cache hit.
import type {
  animationTaskSchema,
  BaseTask,
  imageTaskSchema,
  imageTo3dTaskSchema,
  motionTaskSchema,
  multiImageTo3dTaskSchema,
  remeshTaskSchema,
  retextureTaskSchema,
  rigTaskSchema,
  textTo3dTaskSchema,
} from './schemas.js';

/**
 * A Meshy task resource: where it lives and how its task objects are read (their schema: task-schemas.ts). Every resource shares
 * create / get / list / delete / stream under one path (https://docs.meshy.ai/en/api/quick-start).
 */
export interface TaskResource<Task extends BaseTask = BaseTask, Name extends string = string> {
  name: Name;
  path: string;
  /**
   * Whether a listed task is the one a create request with `body` would have made. Used to find out
   * whether a create whose answer was lost did reach Meshy, so it is never paid for twice.
   */
  matchesRequest(task: Task, body: Record<string, unknown>): boolean;
  /** Where a SUCCEEDED task's main asset is: its GLB, or its first image. */
  resultUrl(task: Task): string | undefined;
  /** False when its tasks do not count against the account's queue (https://docs.meshy.ai/en/api/rate-limits: image generation does not). */
  queued?: false;
}

const glbOf = (task: { model_urls?: { glb?: string | undefined } | null | undefined }) => task.model_urls?.glb;

/** Text to 3D lives under v2; every other resource is v1 (https://docs.meshy.ai/en/api/quick-start). */
export const textTo3d: TaskResource<z.infer<typeof textTo3dTaskSchema>, 'text-to-3d'> = {
  name: 'text-to-3d',
  path: '/openapi/v2/text-to-3d',
  resultUrl: glbOf,
  matchesRequest(task, body) {
    const expectedType = body.mode === 'refine' ? 'text-to-3d-refine' : 'text-to-3d-preview';
    if (task.type !== undefined && task.type !== expectedType) return false;
    // A refine echoes its preview's prompt and its texture prompt, not its preview id: a caller that
    // knows the preview's prompt passes it as `prompt` to tell refines of different models apart.
    if (body.prompt !== undefined && task.prompt !== body.prompt) return false;
    if (body.mode === 'refine') return (task.texture_prompt ?? '') === (body.texture_prompt ?? '');
    return true;
  },
};

/** Echoed text fields: absent, null and '' are all "none". */
const sameText = (echoed: string | null | undefined, sent: unknown) => (echoed ?? '') === (typeof sent === 'string' ? sent : '');
const ofType = (task: BaseTask, type: string) => task.type === undefined || task.type === type;

/** Image to 3D (https://docs.meshy.ai/en/api/image-to-3d): the task echoes its texture prompt and texture image, not its image. */
export const imageTo3d: TaskResource<z.infer<typeof imageTo3dTaskSchema>, 'image-to-3d'> = {
  name: 'image-to-3d',
  path: '/openapi/v1/image-to-3d',
  resultUrl: glbOf,
  matchesRequest: (task, body) =>
    ofType(task, 'image-to-3d') && sameText(task.texture_prompt, body.texture_prompt) && sameText(task.texture_image_url, body.texture_image_url),
};

/** Multi-Image to 3D (https://docs.meshy.ai/en/api/multi-image-to-3d): as image to 3D, plus the texture guide images. */
export const multiImageTo3d: TaskResource<z.infer<typeof multiImageTo3dTaskSchema>, 'multi-image-to-3d'> = {
  name: 'multi-image-to-3d',
  path: '/openapi/v1/multi-image-to-3d',
  resultUrl: glbOf,
  matchesRequest: (task, body) =>
    ofType(task, 'multi-image-to-3d') &&
    sameText(task.texture_prompt, body.texture_prompt) &&
    sameText(task.texture_image_url, body.texture_image_url) &&
    JSON.stringify(task.texture_image_urls ?? []) === JSON.stringify(body.texture_image_urls ?? []),
};

/** Remesh (https://docs.meshy.ai/en/api/remesh): its task object echoes no request field, so only the type can be compared. */
export const remesh: TaskResource<z.infer<typeof remeshTaskSchema>, 'remesh'> = {
  name: 'remesh',
  path: '/openapi/v1/remesh',
  resultUrl: glbOf,
  matchesRequest: (task) => ofType(task, 'remesh'),
};

/** Retexture (https://docs.meshy.ai/en/api/retexture): the task echoes its style prompt and style image. */
export const retexture: TaskResource<z.infer<typeof retextureTaskSchema>, 'retexture'> = {
  name: 'retexture',
  path: '/openapi/v1/retexture',
  resultUrl: glbOf,
  matchesRequest: (task, body) =>
    ofType(task, 'retexture') && sameText(task.text_style_prompt, body.text_style_prompt) && sameText(task.image_style_url, body.image_style_url),
};

/** Rigging (https://docs.meshy.ai/en/api/rigging): no echoed fields; type `rig`. */
export const rigging: TaskResource<z.infer<typeof rigTaskSchema>, 'rigging'> = {
  name: 'rigging',
  path: '/openapi/v1/rigging',
  resultUrl: (task) => task.result?.rigged_character_glb_url,
  matchesRequest: (task) => ofType(task, 'rig'),
};

/** Animation (https://docs.meshy.ai/en/api/animation): no echoed fields; type `animate`. */
export const animation: TaskResource<z.infer<typeof animationTaskSchema>, 'animation'> = {
  name: 'animation',
  path: '/openapi/v1/animations',
  resultUrl: (task) => task.result?.animation_glb_url,
  matchesRequest: (task) => ofType(task, 'animate'),
};

/**
 * Text to Motion (https://docs.meshy.ai/en/api/text-to-motion): the task echoes its prompt. Its result is a standalone clip (FBX or
 * BVH) that no build downloads: an animation task applies it to the rig (`motion_task_id`).
 */
export const textToMotion: TaskResource<z.infer<typeof motionTaskSchema>, 'text-to-motion'> = {
  name: 'text-to-motion',
  path: '/openapi/v1/text-to-motion',
  resultUrl: () => undefined,
  matchesRequest: (task, body) => ofType(task, 'text-to-motion') && sameText(task.prompt, body.prompt),
};

/** Text to Image (https://docs.meshy.ai/en/api/text-to-image): the task echoes its model and prompt. */
export const textToImage: TaskResource<z.infer<typeof imageTaskSchema>, 'text-to-image'> = {
  name: 'text-to-image',
  queued: false,
  path: '/openapi/v1/text-to-image',
  resultUrl: (task) => task.image_urls?.[0],
  matchesRequest: (task, body) => ofType(task, 'text-to-image') && sameText(task.ai_model, body.ai_model) && sameText(task.prompt, body.prompt),
};

/** Image to Image (https://docs.meshy.ai/en/api/image-to-image): as text to image. */
export const imageToImage: TaskResource<z.infer<typeof imageTaskSchema>, 'image-to-image'> = {
  name: 'image-to-image',
  queued: false,
  path: '/openapi/v1/image-to-image',
  resultUrl: (task) => task.image_urls?.[0],
  matchesRequest: (task, body) => ofType(task, 'image-to-image') && sameText(task.ai_model, body.ai_model) && sameText(task.prompt, body.prompt),
};

/**
 * Every Meshy task resource the plugin uses: the one list. Pricing (pricing.ts) and the emulator key
 * theirs by these names, so a resource added here must be priced and emulated before it typechecks.
 */
export const MESHY_RESOURCES = [textTo3d, imageTo3d, multiImageTo3d, remesh, retexture, rigging, animation, textToImage, imageToImage, textToMotion] as const;

export type MeshyResourceName = (typeof MESHY_RESOURCES)[number]['name'];
