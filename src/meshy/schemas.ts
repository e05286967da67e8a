import { z } from 'zod';

/**
 * One zod schema per Meshy response, the single source of their types. Objects are loose: Meshy adds
 * fields often (https://docs.meshy.ai/en/api/changelog), and a field we do not read must never fail a build.
 */

/** Every create answers `202 { "result": "<task id>" }` (https://docs.meshy.ai/en/api/quick-start). */
export const createResponseSchema = z.object({ result: z.string().min(1) });

/** `{ "message": "…" }`; Meshy's older bodies used other names, kept for better messages. */
export const errorBodySchema = z.looseObject({
  message: z.string().optional(),
  error: z.string().optional(),
  code: z.string().optional(),
});

const TASK_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const;
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELED']);
const taskStatusSchema = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** `{ "message": "" }` on healthy tasks, `null` on print tasks, details on failed ones (https://docs.meshy.ai/en/api/errors). */
const taskErrorSchema = z
  .looseObject({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.string().optional(),
    doc_url: z.string().optional(),
  })
  .nullable()
  .optional();

/** Timestamps are ms since the epoch, `0` until the event happens; some tasks send `null` (https://docs.meshy.ai/en/api/task-lifecycle). */
const timestamp = z
  .number()
  .nullable()
  .optional()
  .transform((value) => value ?? 0);

/** Fields every task resource shares (https://docs.meshy.ai/en/api/task-lifecycle). */
const baseTaskSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().optional(),
  status: taskStatusSchema,
  progress: z.number().min(0).max(100).default(0),
  created_at: timestamp,
  started_at: timestamp,
  finished_at: timestamp,
  expires_at: timestamp,
  preceding_tasks: z.number().nullable().optional(),
  task_error: taskErrorSchema,
  consumed_credits: z.number().nullable().optional(),
});
export type BaseTask = z.infer<typeof baseTaskSchema>;

/** Which URL fields are present before success is not documented: absent, empty and null all mean none. */
const assetUrl = z
  .string()
  .nullable()
  .optional()
  .transform((value) => value || undefined);

/** Text to 3D preview and refine tasks (https://docs.meshy.ai/en/api/text-to-3d). */
export const textTo3dTaskSchema = baseTaskSchema.extend({
  mode: z.string().optional(),
  prompt: z.string().optional(),
  texture_prompt: z.string().nullable().optional(),
  model_urls: z.looseObject({ glb: assetUrl, fbx: assetUrl, obj: assetUrl, usdz: assetUrl, mtl: assetUrl, stl: assetUrl }).nullable().optional(),
  thumbnail_url: assetUrl,
  texture_urls: z.array(z.record(z.string(), z.string())).nullable().optional(),
  seed: z.number().nullable().optional(),
});
export type TextTo3dTask = z.infer<typeof textTo3dTaskSchema>;

/** `model_urls` of the 3D resources: a format not generated is omitted (https://docs.meshy.ai/en/api/text-to-3d). */
const modelUrlsSchema = z
  .looseObject({
    glb: assetUrl,
    fbx: assetUrl,
    obj: assetUrl,
    usdz: assetUrl,
    mtl: assetUrl,
    stl: assetUrl,
    blend: assetUrl,
    '3mf': assetUrl,
    pre_remeshed_glb: assetUrl,
  })
  .nullable()
  .optional();

const textureUrlsSchema = z.array(z.record(z.string(), z.string())).nullable().optional();
const echoedText = z.string().nullable().optional();

/** Image to 3D tasks (https://docs.meshy.ai/en/api/image-to-3d); `thumbnail_urls` only with multi_view_thumbnails. */
export const imageTo3dTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
  thumbnail_url: assetUrl,
  thumbnail_urls: z.looseObject({ front: assetUrl, right: assetUrl, back: assetUrl, left: assetUrl }).nullable().optional(),
  texture_urls: textureUrlsSchema,
  texture_prompt: echoedText,
  texture_image_url: echoedText,
});

/** Multi-Image to 3D tasks (https://docs.meshy.ai/en/api/multi-image-to-3d): as image to 3D, echoing `texture_image_urls`. */
export const multiImageTo3dTaskSchema = imageTo3dTaskSchema.extend({
  texture_image_urls: z.array(z.string()).nullable().optional(),
});

/** Remesh tasks (https://docs.meshy.ai/en/api/remesh). */
export const remeshTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
  thumbnail_url: assetUrl,
  texture_urls: textureUrlsSchema,
});

/** Retexture tasks (https://docs.meshy.ai/en/api/retexture). */
export const retextureTaskSchema = baseTaskSchema.extend({
  model_urls: modelUrlsSchema,
  thumbnail_url: assetUrl,
  texture_urls: textureUrlsSchema,
  text_style_prompt: echoedText,
  image_style_url: echoedText,
});

/** Rigging tasks (https://docs.meshy.ai/en/api/rigging): `result` is null until SUCCEEDED. */
export const rigTaskSchema = baseTaskSchema.extend({
  result: z
    .looseObject({
      rigged_character_glb_url: assetUrl,
      rigged_character_fbx_url: assetUrl,
      basic_animations: z
        .looseObject({
          walking_glb_url: assetUrl,
          walking_fbx_url: assetUrl,
          walking_armature_glb_url: assetUrl,
          running_glb_url: assetUrl,
          running_fbx_url: assetUrl,
          running_armature_glb_url: assetUrl,
        })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});

/** Animation tasks (https://docs.meshy.ai/en/api/animation): `result` is null until SUCCEEDED; `processed_*` only with post_process. */
export const animationTaskSchema = baseTaskSchema.extend({
  result: z
    .looseObject({
      animation_glb_url: assetUrl,
      animation_fbx_url: assetUrl,
      processed_usdz_url: assetUrl,
      processed_armature_fbx_url: assetUrl,
      processed_animation_fps_fbx_url: assetUrl,
    })
    .nullable()
    .optional(),
});

/**
 * Text to Image and Image to Image tasks (https://docs.meshy.ai/en/api/text-to-image,
 * https://docs.meshy.ai/en/api/image-to-image): 1 image, 3 with generate_multi_view.
 */
export const imageTaskSchema = baseTaskSchema.extend({
  ai_model: echoedText,
  prompt: echoedText,
  image_urls: z.array(z.string()).nullable().optional(),
});

/** While a task runs, an SSE `message` event carries only these fields (https://docs.meshy.ai/en/api/text-to-3d). */
export const streamUpdateSchema = z.looseObject({
  id: z.string().optional(),
  status: taskStatusSchema,
  progress: z.number().min(0).max(100).default(0),
});

/** An SSE `error` event (https://docs.meshy.ai/en/api/text-to-3d). */
export const streamErrorSchema = z.looseObject({
  status_code: z.number().optional(),
  message: z.string().optional(),
});

/** `GET /openapi/v1/balance` (https://docs.meshy.ai/en/api/balance). */
export const balanceSchema = z.looseObject({ balance: z.number() });
