/**
 * `npm run bench:dev`: how fast the dev server answers a `meshy:` import that is not cached (the
 * placeholder), and how long after Meshy's task completes the model is swapped in (the HMR update).
 * Runs a real dev server (in-process, HTTP on localhost) against the bundled emulator, which runs in
 * a child process as Meshy would run elsewhere (`--in-process` to share this one's event loop).
 *
 *   npm run bench:dev [-- --imports 30] [-- --swaps 4] [-- --in-process]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type EmulatorOptions, startEmulator } from '../src/emulator/index.js';
import type { MeshyPluginOptions } from '../src/index.js';
import { writeProject } from '../test/helpers/project.js';
import { type DevServer, startDevServer } from '../test/vite/dev-helpers.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => Number(args[args.indexOf(`--${name}`) + 1] ?? fallback) || fallback;
const importCount = option('imports', 30);
const swapCount = option('swaps', 4);
const inProcess = args.includes('--in-process');
const API_KEY = 'msy_bench_dev_server_key_01';
const EMULATOR_OPTIONS: EmulatorOptions = {
  apiKeys: [API_KEY],
  taskDurationMs: 2000,
  queueDelayMs: 100,
  profile: 'small',
  queueLimit: 100,
  rateLimitPerSecond: 1000,
};

interface EmulatorHandle {
  url: string;
  close: () => Promise<void>;
}

/** The emulator in a child process (this module's own compiled `--emulator-child` mode), or in this one. */
async function emulatorProcess(): Promise<EmulatorHandle> {
  if (inProcess) return startEmulator(EMULATOR_OPTIONS);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--emulator-child'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  return {
    url: line.toString().trim(),
    close: async () => {
      child.kill();
      await once(child, 'exit');
    },
  };
}

/** When the emulator says a task finished (ms since the epoch). */
async function finishedAt(emulator: EmulatorHandle, taskId: string): Promise<number | undefined> {
  const response = await fetch(`${emulator.url}/openapi/v2/text-to-3d/${taskId}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  return ((await response.json()) as { finished_at?: number }).finished_at;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `min ${sorted[0]!.toFixed(1)}  median ${at(0.5).toFixed(1)}  p95 ${at(0.95).toFixed(1)}  max ${sorted.at(-1)!.toFixed(1)} ms (n=${sorted.length})`;
}

async function project(prompts: string[], options: MeshyPluginOptions): Promise<{ root: string; server: DevServer; paths: string[] }> {
  const root = await mkdtemp(join(tmpdir(), 'meshy-bench-dev-'));
  const imports = prompts.map((prompt, i) => `import m${i} from 'meshy:prompt?text=${prompt}';`);
  await writeProject(root, { 'main.js': `${imports.join('\n')}\nconsole.log(${prompts.map((_, i) => `m${i}`).join(', ')});` });
  // No pre-transform: each module is loaded by the timed request itself, as a browser's first visit does.
  const server = await startDevServer(root, { storeDir: join(root, '.meshy'), mode: 'generate', ...options }, { preTransformRequests: false });
  const main = await (await fetch(new URL('main.js', server.url))).text();
  const paths = [...main.matchAll(/from "(\/@id\/__x00__meshy:[^"]+)"/g)].map((match) => match[1]!);
  return { root, server, paths };
}

async function timed(url: URL): Promise<{ ms: number; body: string; status: number }> {
  const start = performance.now();
  const response = await fetch(url);
  const body = await response.text();
  return { ms: performance.now() - start, body, status: response.status };
}

/** 1. The first answer for imports that are not cached: placeholder module, then the placeholder GLB. */
async function placeholderLatency(emulator: EmulatorHandle): Promise<void> {
  const prompts = Array.from({ length: importCount }, (_, i) => `an uncached bench crate number ${i}&textured=false`);
  const { root, server, paths } = await project(prompts, { apiKey: API_KEY, apiBase: emulator.url });
  try {
    const modules: number[] = [];
    const glbs: number[] = [];
    for (const path of paths) {
      const answer = await timed(new URL(path, server.url));
      if (!answer.body.includes('"status":"pending"')) throw new Error(`not a placeholder: ${answer.status} ${answer.body.slice(0, 200)}`);
      modules.push(answer.ms);
      const glbUrl = JSON.parse(/export default ("[^"]+")/.exec(answer.body)![1]!) as string;
      glbs.push((await timed(new URL(glbUrl, server.url))).ms);
    }
    console.log(`placeholder module (HTTP GET of a new meshy: import, generation starts in the background):`);
    console.log(`  first   ${modules[0]!.toFixed(1)} ms`);
    console.log(`  others  ${stats(modules.slice(1))}`);
    console.log(`placeholder GLB (HTTP GET):  ${stats(glbs)}`);
  } finally {
    await server.close();
    // Generations still in flight may write into the cache a moment longer.
    await rm(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  }
}

/** 2. From the emulator's task completion to the HMR update that swaps the model in. */
async function swapDelay(emulator: EmulatorHandle, label: string, options: MeshyPluginOptions): Promise<void> {
  const prompts = Array.from({ length: swapCount }, (_, i) => `a bench lantern for swaps ${label.replace(/\W+/g, '-')} ${i}&textured=false`);
  const { root, server, paths } = await project(prompts, { apiKey: API_KEY, apiBase: emulator.url, ...options });
  const updateAt = new Map<string, number>();
  const succeededAt = new Map<string, number>();
  const resultTask = new Map<string, string>();
  const wrapped = server.server.environments.client.hot;
  const send = wrapped.send.bind(wrapped) as (...a: unknown[]) => void;
  wrapped.send = ((...a: unknown[]) => {
    const payload = a[0] as { type?: string; updates?: { path: string }[] };
    if (typeof payload === 'object' && payload.type === 'update')
      for (const update of payload.updates ?? []) updateAt.set(decodeURIComponent(update.path), Date.now());
    const news = a[1] as { label?: string; status?: string } | undefined;
    if (a[0] === 'meshy:progress' && news?.status === 'SUCCEEDED' && news.label) succeededAt.set(news.label, Date.now());
    const done = a[1] as { label?: string; meta?: { taskIds: string[] } } | undefined;
    if (a[0] === 'meshy:done' && done?.label && done.meta) resultTask.set(done.label, done.meta.taskIds.at(-1)!);
    send(...a);
  }) as typeof wrapped.send;
  try {
    await Promise.all(paths.map((path) => fetch(new URL(path, server.url)).then((response) => response.text())));
    const deadline = Date.now() + 120_000;
    while (updateAt.size < prompts.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    const delays: number[] = [];
    const noticed: number[] = [];
    const processed: number[] = [];
    for (const prompt of prompts) {
      const text = prompt.split('&')[0]!;
      const taskId = resultTask.get(text);
      const finished = taskId ? await finishedAt(emulator, taskId) : undefined;
      const update = [...updateAt].find(([path]) => path.includes(text))?.[1];
      const seen = succeededAt.get(text);
      if (!finished || !update || !seen) continue;
      delays.push(update - finished);
      noticed.push(seen - finished);
      processed.push(update - seen);
    }
    console.log(`swap delay, ${label}:`);
    console.log(`  task finished at the emulator → HMR update sent:  ${stats(delays)}`);
    console.log(`    of which: finished → plugin sees SUCCEEDED     ${stats(noticed)}`);
    console.log(`    of which: SUCCEEDED → download, optimize, swap ${stats(processed)}`);
  } finally {
    await server.close();
    // Generations still in flight may write into the cache a moment longer.
    await rm(root, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
  }
}

if (args.includes('--emulator-child')) {
  const emulator = await startEmulator(EMULATOR_OPTIONS);
  process.stdout.write(`${emulator.url}\n`);
} else {
  const emulator = await emulatorProcess();
  try {
    console.log(
      `vite-plugin-meshy dev server benchmark (node ${process.version}; emulator ${inProcess ? 'in this process' : 'in a child process'}, profile small, tasks 2 s)\n`,
    );
    await placeholderLatency(emulator);
    await swapDelay(emulator, 'SSE stream', { stream: true });
    await swapDelay(emulator, 'polling every 1000 ms', { stream: false, pollIntervalMs: 1000 });
  } finally {
    await emulator.close();
  }
}
