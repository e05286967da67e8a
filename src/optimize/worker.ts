import { parentPort } from 'node:worker_threads';
import type { ResolvedOptimizeOptions } from './options.js';
import { optimizeResolved } from './run.js';

/** Worker thread entry: { id, input, options } in, { id, result } or { id, error } out. */
export interface WorkerRequest {
  id: number;
  input: Uint8Array;
  options: ResolvedOptimizeOptions;
}

parentPort?.on('message', async ({ id, input, options }: WorkerRequest) => {
  try {
    const result = await optimizeResolved(input, options);
    const bytes = result.bytes === input ? new Uint8Array(input) : result.bytes;
    parentPort!.postMessage({ id, result: { ...result, bytes } }, [bytes.buffer as ArrayBuffer]);
  } catch (error) {
    const err = error as Error;
    parentPort!.postMessage({ id, error: { message: err.message, stack: err.stack, name: err.name } });
  }
});
