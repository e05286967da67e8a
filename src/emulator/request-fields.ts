import { z } from 'zod';
import { reject } from './validation.js';

/** Field schemas and rules shared by the create endpoints (https://docs.meshy.ai/en/api/quick-start), as of October 2026. */

export const STANDARD_MODELS = ['meshy-5', 'meshy-6', 'meshy-6-lite', 'meshy-7', 'meshy-7.1'] as const;
export const SMART_TOPOLOGY_MODELS = ['meshy-t2', 'meshy-t2.5'] as const;
/** https://docs.meshy.ai/en/api/changelog: `latest` means Meshy 7.1 since Sep/Oct 2026. */
export const LATEST_MODEL = 'meshy-7.1';
/**
 * https://docs.meshy.ai/en/api/changelog: the retirement schedule. From its day on (the emulator's clock), a model is refused with a
 * 400; meshy-t1's October 2026 day is not given, the month's first is taken.
 */
const RETIREMENTS: Readonly<Record<string, string>> = { 'meshy-3': '2025-01-14', 'meshy-4': '2026-03-20', 'meshy-5': '2026-10-10', 'meshy-t1': '2026-10-01' };

/** The 3D formats of text/image to 3D and retexture (https://docs.meshy.ai/en/api/text-to-3d). */
export const FORMATS = ['glb', 'obj', 'fbx', 'stl', 'usdz', '3mf'] as const;
export type Format = (typeof FORMATS)[number];
/** All formats except 3mf unless `target_formats` says otherwise. */
export const DEFAULT_FORMATS: readonly Format[] = ['glb', 'obj', 'fbx', 'stl', 'usdz'];

/** 600 in the Jun/Aug 2026 docs, 800 since Oct 2026: the newer, larger limit is accepted. */
export const MAX_PROMPT_LENGTH = 800;

// JSON null is taken as "not given", as most JSON APIs do.
export const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((value) => value ?? undefined);

export const prompt = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => text.trim() !== '', 'must not be empty');

/** https://docs.meshy.ai/en/api/image-to-3d: a jpg/jpeg/png as an http(s) URL or a base64 data URI; the data URI's bytes are checked later. */
export const imageUrl = z
  .string()
  .refine(
    (url) => url === '' || /^https?:\/\/\S+$/i.test(url) || /^data:image\/(png|jpe?g);base64,/i.test(url),
    'must be an http(s) URL or a data:image/png|jpeg;base64 URI of a .jpg, .jpeg or .png image',
  );

export const textureResolution = z.enum(['2k', '4k', '8k']);

/**
 * What to export, shared by the 3D generators (https://docs.meshy.ai/en/api/text-to-3d,
 * https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/retexture).
 */
export const outputFields = {
  target_formats: optional(z.array(z.enum(FORMATS))),
  moderation: optional(z.boolean()),
  alpha_thumbnail: optional(z.boolean()),
  auto_size: optional(z.boolean()),
  origin_at: optional(z.enum(['bottom', 'center'])),
};

export function rejectRetiredModel(model: unknown, now: number): void {
  if (typeof model !== 'string' || !Object.hasOwn(RETIREMENTS, model)) return;
  if (now >= Date.parse(`${RETIREMENTS[model]}T00:00:00Z`)) {
    const current = [...STANDARD_MODELS, 'latest'].filter((id) => !Object.hasOwn(RETIREMENTS, id) || now < Date.parse(`${RETIREMENTS[id]}T00:00:00Z`));
    reject(`ai_model ${model} has been retired; use one of ${current.join(', ')}`);
  }
}

/** A target_polycount inside the model's range, or a 400 naming the range. */
export function budget(value: number | undefined, range: { min: number; max: number }, model: string): number | undefined {
  if (value !== undefined && (value < range.min || value > range.max)) {
    reject(`target_polycount must be from ${range.min} to ${range.max} for ${model} (got ${value})`);
  }
  return value;
}

/** `texture_resolution`, or its deprecated spelling `hd_texture: true` ≡ 4k (https://docs.meshy.ai/en/api/text-to-3d). 4k/8k need a model that has them. */
export function resolveTextureResolution(fields: { texture_resolution?: '2k' | '4k' | '8k'; hd_texture?: boolean }, model: string): '2k' | '4k' | '8k' {
  const resolution = fields.texture_resolution ?? (fields.hd_texture ? '4k' : '2k');
  if (resolution !== '2k' && (model === 'meshy-5' || model === 'meshy-6-lite')) {
    reject(`texture_resolution "${resolution}" needs ai_model meshy-6, meshy-7, meshy-7.1 or latest (this task uses ${model})`);
  }
  return resolution;
}
