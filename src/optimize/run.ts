import type { Transform } from '@gltf-transform/core';
import { gpuBytes } from './gpu-memory.js';
import { getDracoIO, getIO, usesDraco } from './io.js';
import type { ResolvedOptimizeOptions } from './options.js';
import { buildPipeline, describePipeline, type PipelineReport } from './pipeline.js';
import type { SimplifyReport } from './simplify.js';
import { type ModelStats, readModelStats } from './stats.js';
import type { TextureReport } from './textures.js';

/** The measured quality of one optimized file (plain data; stored in `meta` and the report). */
export interface OptimizeQuality {
  /** Lowest PSNR (dB) of a re-encoded texture against its source, over the texels the UVs reach. Null: no texture re-encoded. */
  texturePsnrMin: number | null;
  /** Mean of the per-texture PSNRs. */
  texturePsnrMean: number | null;
  /** Largest mean angular error (degrees) of a normal map. Null: no normal map re-encoded. */
  normalAngleDegMax: number | null;
  /** The simplifier's largest relative geometric error (fraction of the mesh's extent); 0 when not simplified. */
  geometricError: number;
}

export interface OptimizeReport {
  preset: ResolvedOptimizeOptions['preset'] | false;
  pipeline: string;
  options: ResolvedOptimizeOptions | false;
  before: ModelStats & { bytes: number };
  after: ModelStats & { bytes: number };
  textures: TextureReport[];
  simplify: SimplifyReport | null;
  quality: OptimizeQuality;
  durationMs: number;
  /** KTX2: the Basis Universal encoder's wall time over all textures, in ms (paid once: the result is cached). */
  textureEncodeMs?: number;
  /** Estimated video memory of the output's textures with mipmaps (see gpu-memory.ts). */
  gpuBytes?: number;
  /** Wall time of each pipeline step, in ms. */
  stepMs?: Record<string, number>;
  /** True when the optimized file came out larger than the input, so the input ships instead. */
  keptInput: boolean;
}

export interface OptimizeResult {
  bytes: Uint8Array;
  before: ModelStats & { bytes: number };
  after: ModelStats & { bytes: number };
  report: OptimizeReport;
}

/** Optimizes GLB bytes with fully resolved options. Runs the same in a worker thread and in the main thread. */
export async function optimizeResolved(input: Uint8Array, options: ResolvedOptimizeOptions | false, userTransforms: Transform[] = []): Promise<OptimizeResult> {
  const started = performance.now();
  const needsDraco = usesDraco(input) || (options !== false && options.compression === 'draco');
  const io = needsDraco ? await getDracoIO() : await getIO();
  const document = await io.readBinary(input);
  const before = { ...readModelStats(document), bytes: input.byteLength };
  if (options === false) {
    const report = summarize(options, before, before, { textures: [], simplify: null }, started, true);
    return { bytes: input, before, after: before, report };
  }

  const pipelineReport: PipelineReport = { textures: [], pendingTextures: [], simplify: null };
  const stepMs: Record<string, number> = {};
  for (const step of buildPipeline(options, userTransforms, pipelineReport)) {
    const stepStarted = performance.now();
    await document.transform(step);
    const name = step.name || 'transform';
    stepMs[name] = Math.round((stepMs[name] ?? 0) + performance.now() - stepStarted);
    await nextTick();
  }
  const written = await io.writeBinary(document);
  // The textures' quality checks ran while the file was written.
  for (const reports of await Promise.all(pipelineReport.pendingTextures)) pipelineReport.textures.push(...reports);
  // Never ship a file larger than what came in, unless it was asked for GPU textures: KTX2 trades
  // download bytes for video memory, and the input's JPEGs would take four times as much of it.
  const keptInput = written.byteLength >= input.byteLength && options.textureFormat !== 'ktx2';
  const bytes = keptInput ? input : written;
  const after = keptInput ? before : { ...readModelStats(document), bytes: bytes.byteLength };
  const report = summarize(options, before, after, pipelineReport, started, keptInput);
  return { bytes, before, after, report: { ...report, stepMs } };
}

/**
 * Awaiting the steps alone only runs microtasks: libvips' completions (a decoded texture waiting
 * for its fill, an encoded one waiting for its check) would sit in the event loop until the last
 * geometry step. A turn of the loop between steps lets them go on and keeps libvips busy.
 */
function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function summarize(
  options: ResolvedOptimizeOptions | false,
  before: OptimizeReport['before'],
  after: OptimizeReport['after'],
  pipeline: Pick<PipelineReport, 'textures' | 'simplify'>,
  started: number,
  keptInput: boolean,
): OptimizeReport {
  const encoded = keptInput ? [] : pipeline.textures.filter((t) => t.psnr !== null);
  const encodeTimes = pipeline.textures.flatMap((t) => (t.encodeMs === undefined ? [] : [t.encodeMs]));
  const psnrs = encoded.map((t) => t.psnr as number);
  const angles = encoded.flatMap((t) => (t.normalAngleDeg === undefined ? [] : [t.normalAngleDeg]));
  const quality: OptimizeQuality = {
    texturePsnrMin: psnrs.length ? Math.min(...psnrs) : null,
    texturePsnrMean: psnrs.length ? Math.round((psnrs.reduce((a, b) => a + b, 0) / psnrs.length) * 100) / 100 : null,
    normalAngleDegMax: angles.length ? Math.max(...angles) : null,
    geometricError: keptInput ? 0 : (pipeline.simplify?.maxRelativeError ?? 0),
  };
  return {
    preset: options === false ? false : options.preset,
    pipeline: options === false ? 'raw' : describePipeline(options),
    options,
    before,
    after,
    textures: pipeline.textures,
    simplify: pipeline.simplify,
    quality,
    durationMs: Math.round(performance.now() - started),
    ...(encodeTimes.length ? { textureEncodeMs: encodeTimes.reduce((a, b) => a + b, 0) } : {}),
    gpuBytes: gpuBytes(after.textures),
    keptInput,
  };
}
