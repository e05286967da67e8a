import { z } from 'zod';

/**
 * One zod schema per Meshy response, the single source of their types. They parse only the fields
 * the plugin reads and pass every other field through untouched: Meshy adds and changes fields
 * often (https://docs.meshy.ai/en/api/changelog), and a field we do not read must never fail a
 * build. A field we do read that comes as `null` or of another type takes a sensible default; only
 * a task without an id or a known status is not a task.
 */

/** Every create answers `202 { "result": "<task id>" }` (https://docs.meshy.ai/en/api/quick-start). */
export const createResponseSchema = z.looseObject({ result: z.string().min(1) });

/** Text the plugin reads where absent, `null` and another type all mean "none". */
const optionalText = z.string().optional().catch(undefined);
const optionalNumber = z.number().optional().catch(undefined);

/** `{ "message": "…" }`; Meshy's older bodies used other names, kept for better messages. */
export const errorBodySchema = z.looseObject({
  message: optionalText,
  error: optionalText,
  code: optionalText,
});

const TASK_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const;
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** 0–100; `null` or nonsense reads as 0 (it only drives progress lines). */
const progress = z
  .number()
  .catch(0)
  .transform((value) => Math.min(100, Math.max(0, value)));

/** `{ "message": "" }` on healthy tasks, `null` on print tasks, details on failed ones (https://docs.meshy.ai/en/api/errors). */
const taskErrorSchema = z
  .looseObject({
    message: z.string().catch(''),
    type: optionalText,
    code: optionalText,
  })
  .optional()
  .catch(undefined);

/** Timestamps are ms since the epoch, `0` until the event happens; some tasks send `null` (https://docs.meshy.ai/en/api/task-lifecycle). */
const timestamp = z.number().catch(0);

/** Fields every task resource shares that the plugin reads (https://docs.meshy.ai/en/api/task-lifecycle). */
const baseTaskSchema = z.looseObject({
  id: z.string().min(1),
  type: optionalText,
  status: taskStatusSchema,
  progress,
  created_at: timestamp,
  finished_at: timestamp,
  expires_at: timestamp,
  preceding_tasks: optionalNumber,
  task_error: taskErrorSchema,
  consumed_credits: optionalNumber,
});
export type BaseTask = z.infer<typeof baseTaskSchema>;

/** Which URL fields are present before success is not documented: absent, empty and null all mean none. */
const assetUrl = z
  .string()
  .optional()
  .catch(undefined)
  .transform((value) => value || undefined);

/** `model_urls` of the 3D resources: only the GLB is read; a format not generated is omitted (https://docs.meshy.ai/en/api/text-to-3d). */
const modelUrlsSchema = z.looseObject({ glb: assetUrl }).optional().catch(undefined);

/** Text to 3D preview and refine tasks (https://docs.meshy.ai/en/api/text-to-3d); the prompts are read to recognise a lost create. */
export const textTo3dTaskSchema = baseTaskSchema.extend({
  prompt: optionalText,
  texture_prompt: optionalText,
  model_urls: modelUrlsSchema,
});
export type TextTo3dTask = z.infer<typeof textTo3dTaskSchema>;

/** Image to 3D tasks (https://docs.meshy.ai/en/api/image-to-3d): they echo their texture prompt and texture image. */
export const imageTo3dTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
  texture_prompt: optionalText,
  texture_image_url: optionalText,
});

/** Multi-Image to 3D tasks (https://docs.meshy.ai/en/api/multi-image-to-3d): as image to 3D, echoing `texture_image_urls`. */
export const multiImageTo3dTaskSchema = imageTo3dTaskSchema.extend({
  texture_image_urls: z.array(z.string()).optional().catch(undefined),
});

/** Remesh tasks (https://docs.meshy.ai/en/api/remesh). */
export const remeshTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
});

/** Retexture tasks (https://docs.meshy.ai/en/api/retexture): they echo their style prompt and style image. */
export const retextureTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
  text_style_prompt: optionalText,
  image_style_url: optionalText,
});

/** The free walking and running clips a rig comes with, with skin (https://docs.meshy.ai/en/api/rigging); optional. */
const basicAnimationsSchema = z.looseObject({ walking_glb_url: assetUrl, running_glb_url: assetUrl }).optional().catch(undefined);

/** Rigging tasks (https://docs.meshy.ai/en/api/rigging): `result` is null until SUCCEEDED. */
export const rigTaskSchema = baseTaskSchema.extend({
  result: z.looseObject({ rigged_character_glb_url: assetUrl, basic_animations: basicAnimationsSchema }).optional().catch(undefined),
});
export type RigTask = z.infer<typeof rigTaskSchema>;

/** Text to Motion tasks (https://docs.meshy.ai/en/api/text-to-motion): they echo their prompt; the clip is applied by an animation task. */
export const motionTaskSchema = baseTaskSchema.extend({
  prompt: optionalText,
});

/** Animation tasks (https://docs.meshy.ai/en/api/animation): `result` is null until SUCCEEDED. */
export const animationTaskSchema = baseTaskSchema.extend({
  result: z.looseObject({ animation_glb_url: assetUrl }).optional().catch(undefined),
});

/**
 * Text to Image and Image to Image tasks (https://docs.meshy.ai/en/api/text-to-image,
 * https://docs.meshy.ai/en/api/image-to-image): 1 image, 3 with generate_multi_view; entries that
 * are not URLs are left out.
 */
export const imageTaskSchema = baseTaskSchema.extend({
  ai_model: optionalText,
  prompt: optionalText,
  image_urls: z
    .array(z.unknown())
    .optional()
    .catch(undefined)
    .transform((urls) => urls?.filter((url): url is string => typeof url === 'string' && url !== '')),
});

/** While a task runs, an SSE `message` event carries only these fields (https://docs.meshy.ai/en/api/text-to-3d). */
export const streamUpdateSchema = z.looseObject({
  status: taskStatusSchema,
  progress,
});

/** An SSE `error` event (https://docs.meshy.ai/en/api/text-to-3d). */
export const streamErrorSchema = z.looseObject({
  status_code: optionalNumber,
  message: optionalText,
});

/** `GET /openapi/v1/balance` (https://docs.meshy.ai/en/api/balance). */
export const balanceSchema = z.looseObject({ balance: z.number() });
