import { z } from 'zod';
import { retexture } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import { source, sourceList } from '../inputs.js';
import { MAX_PROMPT_LENGTH, TEXTURE_RESOLUTIONS } from '../models.js';
import { labelOf } from '../names.js';
import { choices, commaList, flag, oneOf, text } from '../params.js';
import { type SpecInputs, withoutDefaults } from '../task-spec.js';
import { defineKind, oneTask } from './kind.js';
import { MODEL_EDIT_DOCS, modelEditShape, modelEditSpec, modelSource } from './model-edit-options.js';

/** Retexture accepts these models; `latest` is pinned to the newest of them. */
const MODELS = ['meshy-5', 'meshy-6', 'meshy-7', 'latest'] as const;
const LATEST = 'meshy-7';
/** Views of the new look, and the one model that takes them (https://docs.meshy.ai/en/api/retexture). */
const STYLE_VIEWS = { min: 1, max: 4 };
const STYLE_VIEWS_MODEL = 'meshy-7';

const retextureQuerySchema = () =>
  z.strictObject({
    ...modelEditShape(),
    text: text(MAX_PROMPT_LENGTH).optional(),
    style_image: z.string().optional(),
    style_images: commaList().optional(),
    ai_model: oneOf(MODELS).optional(),
    enable_original_uv: flag().optional(),
    enable_pbr: flag().optional(),
    texture_resolution: oneOf(TEXTURE_RESOLUTIONS).optional(),
    remove_lighting: flag().optional(),
  });

/** `meshy:retexture?src=./crate.glb&text=mossy stone` — Retexture (https://docs.meshy.ai/en/api/retexture): new textures, same geometry. */
export const retextureKind = defineKind({
  name: 'retexture',
  output: 'model',
  schema: retextureQuerySchema,
  docs: {
    ...MODEL_EDIT_DOCS,
    text: `the new look, in words (at most ${MAX_PROMPT_LENGTH} characters)`,
    style_image: 'the new look, from an image: a project .png/.jpg, an https:// URL or a meshy:text-to-image import',
    style_images: `${STYLE_VIEWS.min}–${STYLE_VIEWS.max} comma-separated views, front first (needs ai_model=${STYLE_VIEWS_MODEL})`,
    ai_model: `${choices(MODELS)} (pinned to ${LATEST})`,
    enable_original_uv: "keep the model's own UVs",
    enable_pbr: 'add metallic, roughness and normal maps',
    texture_resolution: choices(TEXTURE_RESOLUTIONS),
    remove_lighting: 'strip baked lighting from the texture (default true)',
  },
  inputKeys: { model_url: 'src', image_style_url: 'style_image', multiview_image_urls: 'style_images' },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const model = modelSource(query, context, problems);
    const inputs: SpecInputs = model ? { model_url: model } : {};
    const styles = [query.text, query.style_image, query.style_images].filter((value) => value !== undefined).length;
    if (styles === 0) problems.push({ key: '', message: 'say what the new texture looks like: text=…, style_image=… or style_images=…' });
    if (styles > 1) problems.push({ key: '', message: 'give only one of text, style_image and style_images' });
    if (query.style_image !== undefined) {
      const style = source('style_image', query.style_image, context, problems);
      if (style) inputs.image_style_url = style;
    }
    const aiModel = query.ai_model === undefined || query.ai_model === 'latest' ? LATEST : query.ai_model;
    if (query.style_images !== undefined) {
      const views = sourceList('style_images', query.style_images, STYLE_VIEWS, context, problems);
      if (views.length) inputs.multiview_image_urls = views;
      if (query.ai_model !== STYLE_VIEWS_MODEL) {
        problems.push({ key: 'style_images', message: `needs ai_model=${STYLE_VIEWS_MODEL} set explicitly (Meshy requires it)` });
      }
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
    const label = model ? `${labelOf('retexture', [model])}${query.text ? ` "${query.text.slice(0, 30)}"` : ''}` : 'retexture';
    return modelEditSpec({ kind: 'retexture', query, request, inputs, label, suffix: 'retextured', problems });
  },
  tasks: oneTask(retexture),
});
