/**
 * Child process of the benchmark: optimizes GLB files with the plugin's optimizer, like the CLIs it
 * is compared with. `run-ours.js OUT_DIR IN…`: one file runs in this thread; several run on the
 * worker pool (both cores). Prints one JSON line per file: { file, out, report }.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createOptimizePool, optimizeGlb, optimizeOptionsSchema } from '../src/optimize/index.js';

const [outDir, ...inputs] = process.argv.slice(2);
const options = optimizeOptionsSchema.parse(JSON.parse(process.env.MESHY_BENCH_OPTIONS ?? '{}'));
const pool = inputs.length > 1 ? createOptimizePool() : undefined;
await Promise.all(
  inputs.map(async (file) => {
    const input = new Uint8Array(await readFile(file));
    const result = await optimizeGlb(input, options, { pool });
    const out = join(outDir!, basename(file));
    await writeFile(out, result.bytes);
    process.stdout.write(`${JSON.stringify({ file, out, report: result.report })}\n`);
  }),
);
await pool?.close();
