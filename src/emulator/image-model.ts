import { generateModel, generateTexture, generateThumbnail } from './glb/index.js';
import { type Profile, profileTextureSize, profileThumbnailSize, profileTriangles, type TextureResolution } from './glb/profiles.js';
import { ALPHA_THUMBNAIL, MODEL_GLB, modelFiles, placeholder, source, THUMBNAIL, textureFiles, urlsOf } from './outputs.js';
import { DEFAULT_FORMATS, type Format } from './request-fields.js';
import type { AssetSource, PresentContext, TaskOutputs } from './resource.js';
import type { Task } from './tasks.js';
import { SAMPLE_PROMPT } from './test-mode.js';

/**
 * The results image to 3D and multi-image to 3D share (https://docs.meshy.ai/en/api/image-to-3d,
 * https://docs.meshy.ai/en/api/multi-image-to-3d): a model, its textures and thumbnails.
 */
export interface ImageModelOutput {
  /** Shapes the geometry: the prompt behind the input image, or what identifies the image. */
  prompt: string;
  /** Colours the textures ('' = the prompt): texture prompt, else texture image, else the image. */
  texturePrompt: string;
  triangles: number;
  textured: boolean;
  textureResolution: TextureResolution;
  pbr: boolean;
  emission: boolean;
  formats: readonly Format[];
  alphaThumbnail: boolean;
  multiViewThumbnails: boolean;
  preRemeshed: boolean;
}

const PRE_REMESHED = 'pre_remeshed_model.glb';
/** https://docs.meshy.ai/en/api/image-to-3d: front 0°, right 90°, back 180°, left 270°. */
const VIEWS = [
  ['front', 0],
  ['right', 90],
  ['back', 180],
  ['left', 270],
] as const;
const viewFile = (view: string) => `preview_${view}.png`;

/**
 * The result fields of the task object. Before success they are empty (undocumented, https://docs.meshy.ai/en/api/image-to-3d);
 * `thumbnail_urls`, `alpha_thumbnail_url` and `pre_remeshed_glb` only appear when asked for and done.
 */
export function presentImageModel(output: ImageModelOutput, context: PresentContext): Record<string, unknown> {
  const done = context.snapshot.status === 'SUCCEEDED';
  const url = context.assetUrl;
  const models = urlsOf(modelFiles(output.formats, output.textured), url);
  if (output.preRemeshed) models.pre_remeshed_glb = url(PRE_REMESHED);
  return {
    model_urls: done ? models : {},
    thumbnail_url: done ? url(THUMBNAIL) : '',
    ...(done && output.alphaThumbnail ? { alpha_thumbnail_url: url(ALPHA_THUMBNAIL) } : {}),
    ...(done && output.multiViewThumbnails ? { thumbnail_urls: Object.fromEntries(VIEWS.map(([view]) => [view, url(viewFile(view))])) } : {}),
    texture_urls: done && output.textured ? [urlsOf(textureFiles(output), url)] : [],
  };
}

export function imageModelAsset(task: Task, output: ImageModelOutput, file: string, profile: Profile): AssetSource | undefined {
  const kind = output.textured ? ('refine' as const) : ('preview' as const);
  const look = { seed: task.seed, prompt: output.prompt, texturePrompt: output.texturePrompt, kind };
  const textureSize = profileTextureSize(profile, output.textureResolution);
  if (file === MODEL_GLB || (file === PRE_REMESHED && output.preRemeshed)) {
    // Before remeshing the mesh is as dense as the profile allows.
    const triangles = file === MODEL_GLB ? output.triangles : 300_000;
    const request = { ...look, targetTriangles: profileTriangles(profile, triangles), textureSize, pbr: output.pbr };
    return source(['glb', request], () => generateModel(request));
  }
  // https://docs.meshy.ai/en/api/image-to-3d: thumbnail_url is the front view.
  const yaw = file === THUMBNAIL || file === ALPHA_THUMBNAIL ? 0 : VIEWS.find(([view]) => viewFile(view) === file)?.[1];
  const wanted = file === THUMBNAIL || (file === ALPHA_THUMBNAIL && output.alphaThumbnail) || (yaw !== undefined && output.multiViewThumbnails);
  if (wanted && yaw !== undefined) {
    const transparent = file === ALPHA_THUMBNAIL;
    return source([file, look, profile], () => generateThumbnail(look, profileThumbnailSize(profile), transparent, yaw));
  }
  const map = textureFiles(output).find(([, name]) => name === file)?.[0];
  if (map && output.textured) {
    const request = { ...look, textureSize };
    return source([file, request], () => generateTexture(request, map));
  }
  if (modelFiles(output.formats, output.textured).some(([, name]) => name === file)) return placeholder(file);
  return undefined;
}

/** https://docs.meshy.ai/en/api/authentication: a textured PBR model of the sample prompt, in the default formats. */
export function sampleImageModel<T extends { output: ImageModelOutput }>(input: T): T {
  const output: ImageModelOutput = {
    prompt: SAMPLE_PROMPT,
    texturePrompt: '',
    triangles: 30_000,
    textured: true,
    textureResolution: '2k',
    pbr: true,
    emission: false,
    formats: DEFAULT_FORMATS,
    alphaThumbnail: false,
    multiViewThumbnails: false,
    preRemeshed: false,
  };
  return { ...input, output };
}

export function imageModelOutputs(task: Task, output: ImageModelOutput, profile: Profile): TaskOutputs {
  const glb = imageModelAsset(task, output, MODEL_GLB, profile);
  return { prompt: output.prompt, model: { glb, faces: output.triangles, textured: output.textured, hasUvs: output.textured, seed: task.seed } };
}

/**
 * https://docs.meshy.ai/en/api/pricing: Meshy 6/7/7.1/latest (and lowpoly) 20 for the mesh; meshy-5, meshy-6-lite and Smart Topology 5.
 * Texturing adds 10, 8k textures 5 more; the Ultra pass (2k/4k geometry) 5.
 */
export function imageModelPrice(request: {
  modelType: string;
  model: string;
  geometryResolution: string;
  textured: boolean;
  textureResolution: TextureResolution;
}): number {
  const cheap = request.modelType === 'smart-topology' || request.model === 'meshy-5' || request.model === 'meshy-6-lite';
  const texturing = request.textured ? 10 + (request.textureResolution === '8k' ? 5 : 0) : 0;
  return (cheap ? 5 : 20) + texturing + (request.geometryResolution === 'standard' ? 0 : 5);
}
