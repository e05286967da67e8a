import { generateModel } from './glb/index.js';
import { readGlb } from './glb/io.js';
import { type Profile, profileTextureSize, profileThumbnailSize, profileTriangles } from './glb/profiles.js';
import { renderDocumentThumbnail } from './glb/render.js';
import { lookFor } from './glb/textures.js';
import type { LoadAsset, ModelInfo, PlanContext } from './resource.js';
import { chainedTask, type ModelFormat, type ModelUpload, parseModelUrl, uploadedModel } from './sources.js';
import type { TaskError } from './tasks.js';
import { SAMPLE_PROMPT, SAMPLE_SEED } from './test-mode.js';
import { reject } from './validation.js';

/**
 * The model a remesh, retexture or rigging task works on: `input_task_id` or `model_url`
 * (https://docs.meshy.ai/en/api/remesh–https://docs.meshy.ai/en/api/rigging).
 */
export interface ModelInput {
  model: ModelInfo;
  /** The prompt behind the model ('' for uploads): keeps the look and the emulator's markers. */
  prompt: string;
  /** The upload, when the model is one. */
  upload?: ModelUpload;
  /** The upload's format, when it is one. */
  uploadFormat?: ModelFormat;
  /** An unusable upload fails the task (https://docs.meshy.ai/en/api/errors) rather than the request. */
  failure?: TaskError;
}

/**
 * Exactly one source is needed; with both, the task id wins (https://docs.meshy.ai/en/api/remesh,
 * https://docs.meshy.ai/en/api/retexture, https://docs.meshy.ai/en/api/rigging).
 */
export function resolveModelInput(
  fields: { input_task_id?: string; model_url?: string },
  context: PlanContext,
  rules: { taskTypes: readonly string[]; formats: readonly ModelFormat[] },
): ModelInput {
  if (fields.input_task_id !== undefined) {
    const outputs = context.outputsOf(chainedTask('input_task_id', fields.input_task_id, context, rules.taskTypes));
    if (!outputs.model) reject(`input_task_id ${fields.input_task_id} has no model`);
    return { model: outputs.model, prompt: outputs.prompt };
  }
  if (fields.model_url === undefined || fields.model_url === '') reject('input_task_id or model_url is required');
  const upload = parseModelUrl('model_url', fields.model_url, rules.formats);
  const { model, failure } = uploadedModel(upload);
  return { model, prompt: '', upload, uploadFormat: upload.format, ...(failure ? { failure } : {}) };
}

/** https://docs.meshy.ai/en/api/authentication: in test mode every remesh, retexture or rig works on the same sample model. */
export function sampleModelInput(): ModelInput {
  return { model: { faces: 30_000, textured: true, hasUvs: true, seed: SAMPLE_SEED }, prompt: SAMPLE_PROMPT };
}

/**
 * The input model's GLB bytes. A model the emulator cannot read (an https URL, OBJ/FBX/STL data)
 * is stood in for by a procedural one of the same size, seeded by the upload.
 */
export async function inputGlb(model: ModelInfo, profile: Profile, load: LoadAsset): Promise<Uint8Array> {
  if (model.glb) return load(model.glb);
  return generateModel({
    seed: model.seed,
    prompt: `uploaded model ${model.seed}`,
    kind: model.textured ? 'refine' : 'preview',
    targetTriangles: profileTriangles(profile, model.faces),
    textureSize: profileTextureSize(profile, '2k'),
    pbr: false,
  });
}

/** A thumbnail of a result GLB, tinted by the look of `text`. */
export async function thumbnailOf(glb: Uint8Array, text: string, profile: Profile, transparent: boolean): Promise<Uint8Array> {
  return renderDocumentThumbnail(await readGlb(glb), lookFor(text).main, profileThumbnailSize(profile), transparent);
}
