import type { ManifestEntry } from '../cache/index.js';
import { describeSpec, type MeshySpec } from '../imports/index.js';
import { gpuBytes } from '../optimize/gpu-memory.js';
import type { AssetOrigin, ImageMeta, ModelMeta, ModelResult, OptimizedMeta } from './meta.js';

/** Which Meshy work made an asset: the AI model (or resource), its tasks and what they cost. */
export type Provenance = Pick<AssetOrigin, 'model' | 'taskIds' | 'credits' | 'emulated'>;

/** An asset being described: its spec, store key and provenance. */
export interface AssetOf {
  spec: MeshySpec;
  key: string;
  provenance: Provenance;
}

/** The provenance a manifest entry records (`emulated`: it is in the emulator's namespace). */
export function provenanceOf(entry: ManifestEntry, emulated: boolean): Provenance {
  return { model: entry.model, taskIds: entry.tasks.map((task) => task.id), credits: entry.credits, emulated };
}

/** The fields every `meta` shares. */
export function originOf({ spec, key, provenance }: AssetOf): Omit<AssetOrigin, 'bytes'> {
  return { kind: spec.kind, prompt: promptOf(spec), label: describeSpec(spec), key, ...provenance };
}

/** The result and `meta` export of a model at one of its stages, from its optimized file. */
export function modelResult(asset: AssetOf, file: { path: string; meta: OptimizedMeta }, status: ModelMeta['status'], generated: boolean): ModelResult {
  const { meta } = file;
  return {
    key: asset.key,
    path: file.path,
    generated,
    meta: {
      ...originOf(asset),
      ...meta.stats,
      rigged: Boolean(asset.spec.rig),
      bytes: meta.bytes,
      rawBytes: meta.rawBytes,
      optimization: {
        preset: meta.report.preset,
        trianglesBefore: meta.report.before.triangles,
        quality: meta.report.quality,
        gpuBytes: gpuBytes(meta.stats.textures),
        ...(meta.report.textureEncodeMs === undefined ? {} : { textureEncodeMs: meta.report.textureEncodeMs }),
      },
      status,
    },
  };
}

/** The `meta` export of an image. */
export function imageMeta(asset: AssetOf, image: Pick<ImageMeta, 'bytes' | 'width' | 'height' | 'mimeType' | 'status'>): ImageMeta {
  return { ...originOf(asset), ...image };
}

function promptOf(spec: MeshySpec): string {
  if (spec.kind === 'prompt') return String(spec.preview.prompt);
  const text = spec.request.prompt ?? spec.request.text_style_prompt ?? spec.request.texture_prompt;
  return typeof text === 'string' ? text : '';
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
