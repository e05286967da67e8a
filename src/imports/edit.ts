import { z } from 'zod';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape, overridesFromQuery } from './optimize-keys.js';
import type { SpecProblem } from './errors.js';
import { labelOf, nameOf, source, sourceList } from './image.js';
import type { SourceContext } from './inputs.js';
import { flag, oneOf, text, wholeNumber } from './params.js';
import { MAX_PROMPT_LENGTH } from './prompt.js';
import { RIG_QUERY_DOCS, rigQueryShape, rigSpecFromQuery, type RigQuery } from './rig.js';
import { withoutDefaults, type JsonValue, type KindDefinition, type TaskSpec } from './task-spec.js';

/** Models Meshy retextures and remeshes (https://docs.meshy.ai/en/api/remesh, https://docs.meshy.ai/en/api/retexture): single files only; `.gltf` would need its side files. */
const MODEL_SOURCE_DOC = 'the model: a project .glb/.obj/.fbx/.stl file, an https:// URL, or a meshy: model import (e.g. meshy:knight) to reuse its geometry';

const commonShape = {
  src: z.string({ error: 'the model is required: src=./model.glb or src=meshy:<named model>' }),
  name: z.string().trim().min(1).max(80).optional(),
  ...rigQueryShape,
  ...optimizeQueryShape,
};

const COMMON_DOCS = {
  src: MODEL_SOURCE_DOC,
  name: 'base name of the emitted file',
  ...RIG_QUERY_DOCS,
  ...OPTIMIZE_QUERY_DOCS,
};

/** Retexture accepts meshy-5, -6 and -7; `latest` is pinned to the newest of them. */
const RETEXTURE_MODELS = ['meshy-5', 'meshy-6', 'meshy-7', 'latest'] as const;

export const retextureQuerySchema = z.strictObject({
  ...commonShape,
  text: text(MAX_PROMPT_LENGTH).optional(),
  style_image: z.string().optional(),
  style_images: z.string().optional(),
  ai_model: oneOf(RETEXTURE_MODELS).optional(),
  enable_original_uv: flag().optional(),
  enable_pbr: flag().optional(),
  texture_resolution: oneOf(['2k', '4k', '8k']).optional(),
  remove_lighting: flag().optional(),
});

/** `meshy:retexture?src=./crate.glb&text=mossy stone` — Retexture (https://docs.meshy.ai/en/api/retexture): new textures, same geometry. */
export const retextureKind: KindDefinition<z.output<typeof retextureQuerySchema>> = {
  kind: 'retexture',
  schema: retextureQuerySchema,
  docs: {
    ...COMMON_DOCS,
    text: 'the new look, in words (at most 600 characters)',
    style_image: 'the new look, from an image: a project .png/.jpg, an https:// URL or a meshy:text-to-image import',
    style_images: '1–4 comma-separated views, front first (needs ai_model=meshy-7)',
    ai_model: 'meshy-5 | meshy-6 | meshy-7 | latest (pinned to meshy-7)',
    enable_original_uv: "keep the model's own UVs",
    enable_pbr: 'add metallic, roughness and normal maps',
    texture_resolution: '2k | 4k | 8k',
    remove_lighting: 'strip baked lighting from the texture (default true)',
  },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const model = modelSource(query.src, context, problems, query);
    const inputs: TaskSpec['inputs'] = model ? { model_url: model } : {};
    const styles = [query.text, query.style_image, query.style_images].filter((value) => value !== undefined).length;
    if (styles === 0) problems.push({ key: '', message: 'say what the new texture looks like: text=…, style_image=… or style_images=…' });
    if (styles > 1) problems.push({ key: '', message: 'give only one of text, style_image and style_images' });
    if (query.style_image !== undefined) {
      const style = source('style_image', query.style_image, context, problems);
      if (style) inputs.image_style_url = style;
    }
    const aiModel = query.ai_model === undefined || query.ai_model === 'latest' ? 'meshy-7' : query.ai_model;
    if (query.style_images !== undefined) {
      const views = sourceList('style_images', query.style_images, 1, 4, context, problems);
      if (views.length) inputs.multiview_image_urls = views;
      if (query.ai_model !== 'meshy-7') problems.push({ key: 'style_images', message: 'needs ai_model=meshy-7 set explicitly (Meshy requires it)' });
    }
    const request = withoutDefaults(
      {
        ai_model: aiModel,
        text_style_prompt: query.text,
        enable_original_uv: query.enable_original_uv,
        enable_pbr: query.enable_pbr,
        texture_resolution: query.texture_resolution,
        remove_lighting: query.remove_lighting,
        target_formats: ['glb'],
      },
      { enable_original_uv: false, enable_pbr: false, texture_resolution: '2k', remove_lighting: true },
    );
    return finish('retexture', query, inputs, request, model ? `${labelOf('retexture', [model])}${query.text ? ` "${query.text.slice(0, 30)}"` : ''}` : 'retexture', problems);
  },
};

export const remeshQuerySchema = z.strictObject({
  ...commonShape,
  topology: oneOf(['triangle', 'quad']).optional(),
  target_polycount: wholeNumber(100, 300_000).optional(),
  decimation_mode: wholeNumber(1, 4).optional(),
  origin_at: oneOf(['bottom', 'center']).optional(),
});

/** `meshy:remesh?src=./statue.glb&target_polycount=5000&topology=quad` — Remesh (https://docs.meshy.ai/en/api/remesh). */
export const remeshKind: KindDefinition<z.output<typeof remeshQuerySchema>> = {
  kind: 'remesh',
  schema: remeshQuerySchema,
  docs: {
    ...COMMON_DOCS,
    topology: 'triangle | quad',
    target_polycount: '100–300000 (default 30000)',
    decimation_mode: '1 ultra | 2 high | 3 medium | 4 low; overrides target_polycount',
    origin_at: 'bottom | center: move the origin',
  },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const model = modelSource(query.src, context, problems, query);
    const request = withoutDefaults(
      { topology: query.topology, target_polycount: query.target_polycount, decimation_mode: query.decimation_mode, origin_at: query.origin_at },
      { topology: 'triangle', target_polycount: 30_000 },
    );
    return finish('remesh', query, model ? { model_url: model } : {}, { ...request, target_formats: ['glb'] }, model ? labelOf('remesh', [model]) : 'remesh', problems);
  },
};

/** Rigging takes GLB only (https://docs.meshy.ai/en/api/rigging), so a rigged edit of a file needs a GLB source. */
function modelSource(value: string, context: SourceContext, problems: SpecProblem[], query: RigQuery) {
  const rigged = query.rig === true || query.animation !== undefined;
  return source('src', value, context, problems, 'model', rigged ? ['.glb'] : undefined);
}

function finish(
  kind: 'retexture' | 'remesh',
  query: z.output<typeof retextureQuerySchema> | z.output<typeof remeshQuerySchema>,
  inputs: TaskSpec['inputs'],
  request: Record<string, JsonValue>,
  label: string,
  problems: SpecProblem[],
): { spec: TaskSpec; problems: SpecProblem[] } {
  const rig = rigSpecFromQuery(query);
  problems.push(...rig.problems);
  const optimize = overridesFromQuery(query);
  const model = inputs.model_url;
  const base = model && !Array.isArray(model) ? nameOf(model) : 'model';
  return {
    spec: { kind, request, inputs, name: query.name ?? `${base}-${kind === 'retexture' ? 'retextured' : 'remeshed'}`, label, ...rig.spec, ...(optimize ? { optimize } : {}) },
    problems,
  };
}
