/**
 * What a model source returns and what the `meta` export of a `meshy:` import carries. Types only:
 * the browser helper (src/client) reads them too.
 */
import type { ModelStats, OptimizeQuality, OptimizeReport } from '../optimize/index.js';

/** What every `meta` export carries: where the asset came from and what it cost. */
export interface AssetOrigin {
  /** The import kind: prompt, image, images, retexture, remesh, text-to-image, image-to-image. */
  kind: string;
  /** The text prompt, where the import has one ('' otherwise). */
  prompt: string;
  /** A short description for logs and tools. */
  label: string;
  key: string;
  /** The AI model that made it, or the Meshy resource (remesh, rigging…). */
  model: string;
  taskIds: string[];
  /** What its tasks cost; emulated credits when `emulated`. */
  credits: number;
  /** True when the bundled emulator made it: a stand-in, not Meshy's (false for Meshy's models and for placeholders). */
  emulated: boolean;
  bytes: number;
}

/** The `meta` export of an image import (`meshy:text-to-image`, `meshy:image-to-image`). */
export interface ImageMeta extends AssetOrigin {
  width: number;
  height: number;
  mimeType: string;
  status: 'ready' | 'pending';
}

/** Everything the `meta` export of a model import carries (`animations` lists its clip names). */
export interface ModelMeta extends ModelStats, AssetOrigin {
  rawBytes: number;
  /** True when Meshy rigged it (`&rig` or `&animation`): the GLB has a skin. */
  rigged: boolean;
  /** What the optimizer did: preset, triangles before, and measured quality (texture PSNR, simplifier error). */
  optimization: OptimizationMeta;
  /**
   * `pending`: not generated yet, the URL is a placeholder (dev, dry runs); `preview`: Meshy's
   * untextured preview while the textured model is made (dev); `ready`: the final model.
   */
  status: 'ready' | 'preview' | 'pending';
}

interface OptimizationMeta {
  preset: string | false;
  trianglesBefore: number;
  quality: OptimizeQuality;
  /**
   * Estimated video memory of the textures with mipmaps, in bytes: RGBA8 (4 B/texel) for PNG/JPEG/WebP/AVIF,
   * 1 B/texel for KTX2 transcoded to BC7 or ASTC 4×4 (docs/gpu-textures.md).
   */
  gpuBytes: number;
  /** KTX2: the Basis Universal encoder's time over all textures, in ms (paid once; the result is cached). */
  textureEncodeMs?: number;
}

export interface ModelResult {
  key: string;
  /** The optimized GLB (or the image) on disk, ready to emit or serve. */
  path: string;
  meta: ModelMeta | ImageMeta;
  /** True when this call paid Meshy for it. */
  generated: boolean;
  /**
   * A model as the store holds it: the store files it was read from or written to (the file served,
   * its meta, the raw file). While none of them changes, neither does the result (see src/vite/warm.ts).
   */
  storeFiles?: readonly string[];
}

/** The meta file written beside each optimized GLB in the store. */
export interface OptimizedMeta {
  /** The raw file it was made from, so unused optimized files can be collected. */
  rawSha256?: string;
  stats: ModelStats;
  bytes: number;
  rawBytes: number;
  /** The optimizer's full report (per-texture sizes and PSNR, simplification, timings). */
  report: OptimizeReport;
}
