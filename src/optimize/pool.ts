import { availableParallelism, freemem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MeshyPluginError } from '../errors.js';
import type { ResolvedOptimizeOptions } from './options.js';
import { type OptimizeResult, optimizeResolved } from './run.js';

/**
 * Peak resident memory of one worker optimizing a 4 MB Meshy GLB (3× 2048² textures) with the web
 * preset, measured by `npm run bench:optimize` (see README, "Memory"). A 4096² texture set needs
 * about four times the texel memory; the limit below keeps that case safe on a 2 GiB machine.
 */
const WORKER_PEAK_MB = 400;
/** V8 heap cap per worker; decoded images live outside it (sharp/libvips), so this bounds the JS side only. */
const WORKER_HEAP_MB = 1024;

export interface OptimizePool {
  /** Threads in use; 0 means every job runs in the calling thread. */
  readonly size: number;
  run(input: Uint8Array, options: ResolvedOptimizeOptions): Promise<OptimizeResult>;
  close(): Promise<void>;
}

class OptimizeWorkerError extends MeshyPluginError {}

/**
 * How many models may be optimized at once: one per core, but never more than half the free memory
 * divided by a worker's measured peak.
 */
export function defaultWorkerCount(memoryMb = freemem() / 2 ** 20): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(memoryMb / 2 / WORKER_PEAK_MB)));
}

/** The built package has dist/optimize/worker.js, one level up from the chunk holding this code; TypeScript sources have none. */
function workerUrl(): URL | null {
  return import.meta.url.endsWith('.js') ? new URL('../optimize/worker.js', import.meta.url) : null;
}

interface Job {
  id: number;
  input: Uint8Array;
  options: ResolvedOptimizeOptions;
  resolve: (result: OptimizeResult) => void;
  reject: (error: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

/** A fixed set of worker threads, each running one optimization at a time; jobs queue in order. */
export function createOptimizePool(workers = defaultWorkerCount()): OptimizePool {
  const url = workerUrl();
  const size = url ? workers : 0;
  if (size === 0) {
    return { size: 0, run: (input, options) => optimizeResolved(input, options), close: async () => {} };
  }
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;

  function spawn(): Slot {
    const worker = new Worker(url!, { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } });
    const slot: Slot = { worker, job: null };
    worker.unref();
    worker.on('message', (message: { id: number; result?: OptimizeResult; error?: { message: string; stack?: string } }) => {
      const job = slot.job;
      if (!job || job.id !== message.id) return;
      finish(slot);
      if (message.result) job.resolve({ ...message.result, bytes: new Uint8Array(message.result.bytes) });
      else
        job.reject(
          new OptimizeWorkerError('MESHY_OPTIMIZE_FAILED', `Optimizing a model failed: ${message.error?.message}`, {
            context: { stack: message.error?.stack },
          }),
        );
    });
    const crash = (cause: unknown) => {
      const job = slot.job;
      slots.splice(slots.indexOf(slot), 1);
      if (job) job.reject(new OptimizeWorkerError('MESHY_OPTIMIZE_FAILED', `The optimizer worker stopped: ${(cause as Error)?.message ?? cause}`, { cause }));
      pump();
    };
    worker.on('error', crash);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) crash(new Error(`exit code ${code}`));
    });
    slots.push(slot);
    return slot;
  }

  function finish(slot: Slot): void {
    slot.job = null;
    slot.worker.unref();
    pump();
  }

  function pump(): void {
    while (queue.length > 0) {
      const slot = slots.find((s) => s.job === null) ?? (slots.length < size ? spawn() : undefined);
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: job.id, input: job.input, options: job.options });
    }
  }

  return {
    size,
    run(input, options) {
      return new Promise<OptimizeResult>((resolve, reject) => {
        queue.push({ id: nextId++, input, options, resolve, reject });
        pump();
      });
    },
    async close() {
      const all = slots.splice(0);
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
