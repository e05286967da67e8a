import { z } from 'zod';
import { DECIMATION_TRIANGLES } from './geometry-request.js';
import { readGlb } from './glb/io.js';
import { profileTriangles } from './glb/profiles.js';
import { hash32 } from './glb/random.js';
import { type RemeshRequest, remeshGlb } from './glb/remesh.js';
import { inputGlb, type ModelInput, resolveModelInput, sampleModelInput, thumbnailOf } from './model-input.js';
import { ALPHA_THUMBNAIL, MODEL_GLB, modelFiles, placeholder, source, THUMBNAIL, urlsOf } from './outputs.js';
import { optional } from './request-fields.js';
import { type EmulatedResource, type LoadAsset, lifecycleFields, type PlanContext, seedOf, type TaskPlan } from './resource.js';
import { MODEL_FORMATS } from './sources.js';
import type { Task } from './tasks.js';
import { parseBody, reject } from './validation.js';

/** Remesh (https://docs.meshy.ai/en/api/remesh): a model retopologized to a triangle budget, optionally resized. */
const REMESH_PATH = '/openapi/v1/remesh';

/** https://docs.meshy.ai/en/api/remesh: the tasks an input_task_id may name. */
const INPUT_TYPES = ['text-to-3d-preview', 'text-to-3d-refine', 'image-to-3d', 'retexture'];
const REMESH_FORMATS = ['glb', 'fbx', 'obj', 'usdz', 'blend', 'stl', '3mf'] as const;
/** https://docs.meshy.ai/en/api/pricing (live runs agree, https://docs.meshy.ai/en/api/pricing observed). */
const PRICE = 5;

const schema = z.object({
  input_task_id: optional(z.string()),
  model_url: optional(z.string()),
  target_formats: optional(z.array(z.enum(REMESH_FORMATS))),
  topology: optional(z.enum(['quad', 'triangle'])),
  target_polycount: optional(z.int().min(100).max(300_000)),
  decimation_mode: optional(z.int().min(1).max(4)),
  resize_height: optional(z.number().min(0)),
  resize_longest_side: optional(z.number().min(0)),
  auto_size: optional(z.boolean()),
  origin_at: optional(z.enum(['bottom', 'center', ''])),
  convert_format_only: optional(z.boolean()),
  alpha_thumbnail: optional(z.boolean()),
});

interface RemeshInput {
  source: ModelInput;
  request: RemeshRequest;
  formats: string[];
  alphaThumbnail: boolean;
}

const BASE_COLOR = 'texture_0.png';

export const remesh: EmulatedResource = {
  path: REMESH_PATH,
  plan: (body, context) => planRemesh(body, context),

  present(task, context) {
    const input = inputOf(task);
    const done = context.snapshot.status === 'SUCCEEDED';
    const url = context.assetUrl;
    return {
      id: task.id,
      type: task.type,
      model_urls: done ? urlsOf(modelFiles(input.formats, input.source.model.textured), url) : {},
      thumbnail_url: done ? url(THUMBNAIL) : '',
      ...(done && input.alphaThumbnail ? { alpha_thumbnail_url: url(ALPHA_THUMBNAIL) } : {}),
      // https://docs.meshy.ai/en/api/remesh: the textures of the input are kept (since Nov 2025).
      texture_urls: done && input.source.model.textured ? [{ base_color: url(BASE_COLOR) }] : [],
      ...lifecycleFields(task, context),
    };
  },

  sample: (input) => ({ ...(input as RemeshInput), source: sampleModelInput(), request: { ...(input as RemeshInput).request, targetTriangles: 30_000 } }),

  asset(task, file, profile) {
    const input = inputOf(task);
    const glb = source(['remesh', task.id, profile], async (load) =>
      remeshGlb(await inputGlb(input.source.model, profile, load), scaledRequest(input, profile)),
    );
    if (file === MODEL_GLB) return glb;
    if (file === THUMBNAIL || (file === ALPHA_THUMBNAIL && input.alphaThumbnail)) {
      return source([file, task.id, profile], async (load) =>
        thumbnailOf(await load(glb), input.source.prompt || String(task.seed), profile, file === ALPHA_THUMBNAIL),
      );
    }
    if (file === BASE_COLOR && input.source.model.textured) return source([file, task.id, profile], (load) => baseColorOf(glb, load));
    if (modelFiles(input.formats, input.source.model.textured).some(([, name]) => name === file)) return placeholder(file);
    return undefined;
  },

  outputs(task, profile) {
    const input = inputOf(task);
    const faces = input.request.convertOnly ? input.source.model.faces : Math.min(input.request.targetTriangles, input.source.model.faces);
    const model = { ...input.source.model, glb: remesh.asset(task, MODEL_GLB, profile), faces, seed: task.seed };
    return { prompt: input.source.prompt, model };
  },
};

function planRemesh(body: Record<string, unknown>, context: PlanContext): TaskPlan {
  const fields = parseBody(schema, body);
  const source = resolveModelInput(fields, context, { taskTypes: INPUT_TYPES, formats: MODEL_FORMATS });
  if (fields.resize_height && fields.auto_size) reject('resize_height cannot be combined with auto_size');
  if (fields.resize_longest_side && (fields.resize_height || fields.auto_size))
    reject('resize_longest_side cannot be combined with resize_height or auto_size');
  const request: RemeshRequest = {
    // https://docs.meshy.ai/en/api/remesh: decimation_mode overrides target_polycount.
    targetTriangles: fields.decimation_mode === undefined ? (fields.target_polycount ?? 30_000) : DECIMATION_TRIANGLES[fields.decimation_mode]!,
    // auto_size: Meshy's AI guesses the real height; the emulator guesses 0.3–2 m from the model.
    resizeHeight: fields.auto_size ? 0.3 + (hash32('height', source.prompt, source.model.seed) % 171) / 100 : (fields.resize_height ?? 0),
    resizeLongestSide: fields.resize_longest_side ?? 0,
    // With auto_size the origin goes to the bottom unless said otherwise (https://docs.meshy.ai/en/api/text-to-3d).
    originAt: fields.origin_at ?? (fields.auto_size ? 'bottom' : ''),
    convertOnly: fields.convert_format_only ?? false,
  };
  return {
    type: 'remesh',
    credits: PRICE,
    seed: seedOf('remesh', body),
    input: { source, request, formats: fields.target_formats ?? ['glb'], alphaThumbnail: fields.alpha_thumbnail ?? false } satisfies RemeshInput,
    prompt: source.prompt,
    texturePrompt: '',
    ...(source.failure ? { failure: { error: source.failure } } : {}),
  };
}

/** The budget, within what the emulator's profile allows. */
function scaledRequest(input: RemeshInput, profile: Parameters<typeof profileTriangles>[0]): RemeshRequest {
  return { ...input.request, targetTriangles: profileTriangles(profile, input.request.targetTriangles) };
}

/** The base colour image the remeshed GLB carries (the input's own texture). */
async function baseColorOf(glb: ReturnType<typeof source>, load: LoadAsset): Promise<Uint8Array> {
  const document = await readGlb(await load(glb));
  const image = document
    .getRoot()
    .listMaterials()
    .map((material) => material.getBaseColorTexture()?.getImage())
    .find(Boolean);
  if (!image) throw new Error('the remeshed model has no base colour texture');
  return image;
}

function inputOf(task: Task): RemeshInput {
  return task.input as RemeshInput;
}
