import { generateModel, generateTexture, generateThumbnail } from './glb/index.js';
import { profileTextureSize, profileThumbnailSize, profileTriangles } from './glb/profiles.js';
import { hash32 } from './glb/random.js';
import { ALPHA_THUMBNAIL, MODEL_GLB, modelFiles as modelFilesOf, placeholder, source, THUMBNAIL, textureFiles as textureFilesOf, urlsOf } from './outputs.js';
import { type EmulatedResource, lifecycleFields, type TaskPlan } from './resource.js';
import type { Task } from './tasks.js';
import { SAMPLE_PROMPT, SAMPLE_SEED } from './test-mode.js';
import { DEFAULT_FORMATS, type Format, type PreviewRequest, parsePreview, parseRefine, requestMode, type TextureResolution } from './text-to-3d-request.js';

/** Text to 3D v2: preview (geometry) and refine (textures) on one endpoint (https://docs.meshy.ai/en/api/text-to-3d). */
const TEXT_TO_3D_PATH = '/openapi/v2/text-to-3d';

/** What a task produces; the test-mode key swaps in a fixed sample (https://docs.meshy.ai/en/api/authentication). */
interface Output {
  kind: 'preview' | 'refine';
  /** Shapes the geometry. */
  prompt: string;
  /** Colours the textures ('' = the prompt). */
  texturePrompt: string;
  triangles: number;
  textureResolution: TextureResolution;
  pbr: boolean;
  emission: boolean;
  formats: readonly Format[];
  alphaThumbnail: boolean;
}

interface TextTo3DInput {
  /** Pinned `ai_model`; not shown in the task object (https://docs.meshy.ai/en/api/text-to-3d), needed to check refines. */
  model: string;
  /** Request fields the task object echoes (https://docs.meshy.ai/en/api/text-to-3d). */
  echo: {
    mode: 'preview' | 'refine';
    model_type: string;
    prompt: string;
    art_style: string;
    negative_prompt: string;
    texture_prompt: string;
    texture_image_url: string;
    ultra_mode?: boolean;
  };
  output: Output;
}

/** https://docs.meshy.ai/en/api/authentication: the test-mode sample (seed, files, formats, textures) of a preview or refine. */
function sampleOutput(kind: 'preview' | 'refine'): Output {
  return {
    kind,
    prompt: SAMPLE_PROMPT,
    texturePrompt: '',
    triangles: 30_000,
    textureResolution: '2k',
    pbr: kind === 'refine',
    emission: false,
    formats: DEFAULT_FORMATS,
    alphaThumbnail: false,
  };
}

/**
 * https://docs.meshy.ai/en/api/pricing: preview 20 credits (Meshy 6/7/7.1/latest, lowpoly), 5 for meshy-5,
 * meshy-6-lite and Smart Topology; +5 for 2k/4k geometry.
 */
function previewPrice(request: Pick<PreviewRequest, 'modelType' | 'model' | 'geometryResolution'>): number {
  const cheap = request.modelType === 'smart-topology' || request.model === 'meshy-5' || request.model === 'meshy-6-lite';
  return (cheap ? 5 : 20) + (request.geometryResolution === 'standard' ? 0 : 5);
}

/** https://docs.meshy.ai/en/api/pricing: refine 10 credits, 15 with 8k textures. */
function refinePrice(resolution: TextureResolution): number {
  return resolution === '8k' ? 15 : 10;
}

export const textTo3d: EmulatedResource = {
  path: TEXT_TO_3D_PATH,

  plan(body, { account, findTask, now }) {
    const plan = requestMode(body) === 'preview' ? planPreview(body, now) : planRefine(body, findTask, now);
    if (!account.testMode) return plan;
    const input = plan.input as TextTo3DInput;
    return { ...plan, seed: SAMPLE_SEED, input: { ...input, output: sampleOutput(input.output.kind) } };
  },

  present(task, context) {
    const { echo, output } = inputOf(task);
    const done = context.snapshot.status === 'SUCCEEDED';
    const url = context.assetUrl;
    // Before success the result fields are empty (undocumented, https://docs.meshy.ai/en/api/image-to-3d; clients must tolerate it).
    return {
      id: task.id,
      type: task.type,
      mode: echo.mode,
      model_type: echo.model_type,
      prompt: echo.prompt,
      art_style: echo.art_style,
      negative_prompt: echo.negative_prompt,
      texture_prompt: echo.texture_prompt,
      texture_image_url: echo.texture_image_url,
      seed: task.seed,
      ...(echo.ultra_mode === undefined ? {} : { ultra_mode: echo.ultra_mode }),
      model_urls: done ? urlsOf(modelFiles(output), url) : {},
      thumbnail_url: done ? url(THUMBNAIL) : '',
      ...(done && output.alphaThumbnail ? { alpha_thumbnail_url: url(ALPHA_THUMBNAIL) } : {}),
      texture_urls: done && output.kind === 'refine' ? [urlsOf(textureFiles(output), url)] : [],
      ...lifecycleFields(task, context),
    };
  },

  asset(task, file, profile) {
    const { output } = inputOf(task);
    const look = { seed: task.seed, prompt: output.prompt, texturePrompt: output.texturePrompt, kind: output.kind };
    if (file === MODEL_GLB) {
      const request = {
        ...look,
        targetTriangles: profileTriangles(profile, output.triangles),
        textureSize: profileTextureSize(profile, output.textureResolution),
        pbr: output.pbr,
      };
      return source(['glb', request], () => generateModel(request));
    }
    if (file === THUMBNAIL || (file === ALPHA_THUMBNAIL && output.alphaThumbnail)) {
      const transparent = file === ALPHA_THUMBNAIL;
      return source([file, look, profile], () => generateThumbnail(look, profileThumbnailSize(profile), transparent));
    }
    const map = textureFiles(output).find(([, name]) => name === file)?.[0];
    if (map && output.kind === 'refine') {
      const request = { ...look, textureSize: profileTextureSize(profile, output.textureResolution) };
      return source([file, request], () => generateTexture(request, map));
    }
    if (modelFiles(output).some(([, name]) => name === file)) return placeholder(file);
    return undefined;
  },

  outputs(task, profile) {
    const { output } = inputOf(task);
    const glb = textTo3d.asset(task, MODEL_GLB, profile);
    const textured = output.kind === 'refine';
    return { prompt: output.prompt, model: { glb, faces: output.triangles, textured, hasUvs: textured, seed: task.seed } };
  },
};

const modelFiles = (output: Output) => modelFilesOf(output.formats, output.kind === 'refine');
const textureFiles = (output: Output) => textureFilesOf(output);

function planPreview(body: Record<string, unknown>, now: number): TaskPlan {
  const request = parsePreview(body, now);
  const echo: TextTo3DInput['echo'] = {
    mode: 'preview',
    model_type: request.modelType,
    prompt: request.prompt,
    art_style: request.artStyle,
    negative_prompt: request.negativePrompt,
    texture_prompt: '',
    texture_image_url: '',
    ...(request.ultraMode === undefined ? {} : { ultra_mode: request.ultraMode }),
  };
  const output: Output = {
    kind: 'preview',
    prompt: request.prompt,
    texturePrompt: '',
    triangles: request.triangles,
    textureResolution: '2k',
    pbr: false,
    emission: false,
    formats: request.formats,
    alphaThumbnail: request.alphaThumbnail,
  };
  // Meshy draws a random seed; the emulator derives it from the request so runs are reproducible.
  const seed = request.seed ?? hash32('seed', JSON.stringify(request)) % 1_000_000;
  const input: TextTo3DInput = { model: request.model, echo, output };
  return { type: 'text-to-3d-preview', credits: previewPrice(request), seed, input, prompt: request.prompt, texturePrompt: '' };
}

function planRefine(body: Record<string, unknown>, findTask: (id: string) => Task | undefined, now: number): TaskPlan {
  const request = parseRefine(body, findTask, now);
  const preview = inputOf(request.preview);
  const { ultra_mode: _previewOnly, ...previewEcho } = preview.echo;
  const echo: TextTo3DInput['echo'] = {
    ...previewEcho,
    mode: 'refine',
    texture_prompt: request.texturePrompt,
    texture_image_url: request.textureImageUrl,
  };
  const output: Output = {
    kind: 'refine',
    // Refine textures the preview's mesh: same geometry, now UV-mapped.
    prompt: preview.output.prompt,
    // https://docs.meshy.ai/en/api/text-to-3d: with both, the texture prompt wins over the image.
    texturePrompt: request.texturePrompt || request.textureImageUrl,
    triangles: preview.output.triangles,
    textureResolution: request.textureResolution,
    pbr: request.pbr,
    emission: request.emission,
    formats: request.formats,
    alphaThumbnail: request.alphaThumbnail,
  };
  return {
    type: 'text-to-3d-refine',
    credits: refinePrice(request.textureResolution),
    // https://docs.meshy.ai/en/api/text-to-3d: a refine shows its preview's seed.
    seed: request.preview.seed,
    input: { model: request.model, echo, output } satisfies TextTo3DInput,
    prompt: echo.prompt,
    texturePrompt: echo.texture_prompt,
  };
}

/** The input this resource stored when it planned the task. */
function inputOf(task: Task): TextTo3DInput {
  return task.input as TextTo3DInput;
}
