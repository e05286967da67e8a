/**
 * `npm run bench:warm` (issue 12): what a cached model costs, against the built package (dist/), each
 * figure from fresh Node processes, as a person typing the command gets it:
 *
 * 1. Import time: `vite` alone, `dist/index.js` alone (it loads vite), and the plugin's own cost (its
 *    import in a process that already loaded vite, as `vite build` loads a config); which heavy
 *    modules importing the plugin loads.
 * 2. Warm builds: `vite build` (the CLI) of a project with N cached `meshy:prompt` imports against
 *    the same project importing the very same optimized GLB files with `?url` and no plugin.
 * 3. Dev start: a Vite dev server on either project, from process start to listening, then the first
 *    request of main.js, of the first model's module and of its GLB.
 *
 * Each meshy figure is taken twice: as a rebuild finds the project (the plugin's warm record, written
 * by the build before, in node_modules/.vite), and with that record deleted first (the first build
 * after an option change or a new import: the project is set up and the store read).
 *
 * Runs are interleaved (A/B, B/A, …) so load from other processes hits both sides alike; figures are
 * medians. The last table sets them beside issue 12's goals (the import goal against the plugin's own
 * cost). The models are made once by the bundled emulator (5 of them; larger N reuse them under other
 * prompts, with manifest entries written directly), in a temp dir that is removed afterwards. Nothing
 * leaves 127.0.0.1. `--cpu-prof` adds one profiled run of the plugin's import and of the largest
 * meshy build, summarized by package.
 *
 *   npm run bench:warm [-- --runs 9] [-- --n 5,100] [-- --cpu-prof] [-- --keep]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProject } from '../src/project/index.js';

const repo = process.cwd();
const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const runs = Math.max(1, Number(option('runs') ?? 9) || 9);
const sizes = (option('n') ?? '5,100').split(',').map(Number);
const cpuProfile = args.includes('--cpu-prof');
/** Keep the temp projects (to profile them by hand). */
const keep = args.includes('--keep');
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--n takes whole numbers separated by commas; got "${option('n')}"`);

const viteCli = join(repo, 'node_modules/vite/bin/vite.js');
const pluginEntry = pathToFileURL(join(repo, 'dist/index.js')).href;
const distUrl = pathToFileURL(join(repo, 'dist')).href;
const usagePreload = join(repo, 'bench/rss-preload.cjs');

/** Five models are generated; larger projects import them again under other prompts. */
const SUBJECTS = ['a wooden crate', 'a brass lantern', 'a mossy stone pillar', 'a viking helmet', 'a potted fern'];
const GOALS = {
  importMs: 150,
  ratio: new Map([
    [5, 1.25],
    [100, 1.15],
  ]),
  devStartMs: 50,
};
/** Modules a cache hit should not need (issue 12), as packages or folders of dist/. */
const HEAVY = [
  'sharp',
  '@gltf-transform/core',
  '@gltf-transform/extensions',
  '@gltf-transform/functions',
  'meshoptimizer',
  'draco3dgltf',
  'undici',
  'zod',
  'proper-lockfile',
  'eventsource-parser',
  'dist/optimize',
  'dist/meshy',
  'dist/emulator',
];

/** The store's options, the same for the prep build, the warm builds and the keys computed here. */
const STORE_OPTIONS = { cacheNamespace: 'bench' };
// Vite inlines small `?url` assets as data: URLs; the plugin always emits files. Both ship files here.
const BUILD_CONFIG = 'build: { assetsInlineLimit: 0 }';
const PREP_CONFIG = `import meshy from 'vite-plugin-meshy';
export default {
  ${BUILD_CONFIG},
  plugins: [meshy(${JSON.stringify({ ...STORE_OPTIONS, mode: 'generate', emulator: { profile: 'small', taskDurationMs: 200, queueDelayMs: 0 } })})],
};
`;
// As a person's config: default mode, no API key (a miss would fail the build; nothing can be paid).
const MESHY_CONFIG = `import meshy from 'vite-plugin-meshy';
export default { ${BUILD_CONFIG}, plugins: [meshy(${JSON.stringify(STORE_OPTIONS)})] };
`;
const PLAIN_CONFIG = `export default { ${BUILD_CONFIG} };\n`;

/** The children's environment: no Meshy settings or test runner of this shell leak into them. */
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MESHY_') && !name.startsWith('VITEST')));

interface ChildRun {
  wallMs: number;
  cpuMs: number;
  peakMb: number;
  stdout: string;
}

async function runNode(argv: string[], cwd: string, usageFile: string, env: Record<string, string> = {}): Promise<ChildRun> {
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, ['--require', usagePreload, ...argv], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...childEnv, ...env, MESHY_BENCH_RSS_FILE: usageFile },
    });
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', fail);
    child.on('exit', (exitCode) => done(exitCode ?? 1));
  });
  const wallMs = performance.now() - started;
  if (code !== 0) throw new Error(`node ${argv.join(' ')} (in ${cwd}) exited with ${code}:\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`);
  const usage = JSON.parse(await readFile(usageFile, 'utf8')) as { kb: number; cpuUs: number };
  return { wallMs, cpuMs: usage.cpuUs / 1000, peakMb: usage.kb / 1024, stdout };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const spread = (values: number[]) => `${ms(median(values))} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  console.log();
}

// ---------------------------------------------------------------------------------------------------
// Which modules a process loaded: a resolve hook (ESM) and require.cache at exit (CommonJS) list them.

const LOADED_HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MESHY_BENCH_LOADED_FILE, result.url + '\\n');
  return result;
}
`;
const LOADED_PRELOAD = `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register('./loaded-hooks.mjs', import.meta.url);
const { cache } = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(process.env.MESHY_BENCH_LOADED_FILE, Object.keys(cache).join('\\n') + '\\n'));
`;

/** A loaded file → its package (`sharp`, `@gltf-transform/core`) or, for the plugin's own files, `dist/<folder>`. */
function ownerOf(file: string): string | undefined {
  const url = file.startsWith('/') ? pathToFileURL(file).href : file;
  if (url.startsWith(`${distUrl}/`)) {
    const rest = url.slice(distUrl.length + 1);
    return rest.includes('/') ? `dist/${rest.split('/')[0]}` : 'dist';
  }
  return /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
}

interface LoadedModules {
  total: number;
  plugin: number;
  heavy: string[];
}

async function loadedModules(file: string): Promise<LoadedModules> {
  const files = new Set((await readFile(file, 'utf8')).split('\n').filter((line) => line.startsWith('file:') || line.startsWith('/')));
  const urls = new Set([...files].map((f) => (f.startsWith('/') ? pathToFileURL(f).href : f)));
  const owners = new Set([...urls].map(ownerOf));
  return {
    total: urls.size,
    plugin: [...urls].filter((url) => url.startsWith(`${distUrl}/`)).length,
    heavy: HEAVY.filter((name) => owners.has(name)),
  };
}

// ---------------------------------------------------------------------------------------------------
// CPU profiles, summarized by package: where a process spends its time.

interface CpuProfile {
  nodes: { id: number; callFrame: { url: string; functionName: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Time by package: its own code, and the Node internals and native code it called (a `require` it
 * makes counts to it). What no package's code called (loading ES modules, mostly) stays `node internals`.
 */
async function summarizeProfile(dir: string, title: string): Promise<void> {
  const [name] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!name) return;
  const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id] as const)));
  const packageOf = (url: string) => (url && !url.startsWith('node:') ? (ownerOf(url) ?? 'other') : undefined);
  const bucketOf = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const owner = packageOf(nodes.get(at)!.callFrame.url);
      if (owner) return owner;
    }
    const { url, functionName } = nodes.get(id)!.callFrame;
    if (url.startsWith('node:')) return 'node internals';
    return functionName.startsWith('(') ? functionName : '(native)';
  };
  const time = new Map<string, number>();
  /** The plugin's own time by function: the innermost function of dist/ on the stack, with what it called outside dist/. */
  const ownTime = new Map<string, number>();
  const ownFunctionOf = (id: number): string | undefined => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const { url, functionName } = nodes.get(at)!.callFrame;
      if (url.startsWith(`${distUrl}/`)) return `${functionName || '(module code)'} ${url.slice(distUrl.length + 1).replace(/-[\w-]{8}\.js$/, '')}`;
    }
    return undefined;
  };
  profile.samples.forEach((id, i) => {
    const bucket = bucketOf(id);
    const spent = (profile.timeDeltas[i] ?? 0) / 1000;
    time.set(bucket, (time.get(bucket) ?? 0) + spent);
    const own = ownFunctionOf(id);
    if (own) ownTime.set(own, (ownTime.get(own) ?? 0) + spent);
  });
  const total = [...time.values()].reduce((a, b) => a + b, 0);
  const rows = [...time].sort((a, b) => b[1] - a[1]).slice(0, 14);
  console.log(`CPU profile, ${title} (main thread, ${ms(total)} sampled; a package's code and what it called):`);
  table(
    ['package / folder', 'time', 'share'],
    rows.map(([bucket, spent]) => [bucket, ms(spent), `${((100 * spent) / total).toFixed(0)} %`]),
  );
  console.log(`\nThe plugin's own functions in it (innermost dist/ function on the stack, with what it called outside dist/):`);
  table(
    ['function  chunk', 'time', 'share'],
    [...ownTime]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([fn, spent]) => [fn, ms(spent), `${((100 * spent) / total).toFixed(0)} %`]),
  );
}

// ---------------------------------------------------------------------------------------------------
// The projects: a meshy one and a `?url` one for each N, sharing five generated models.

interface Projects {
  meshy: string;
  plain: string;
}

const promptOf = (i: number) => (i < SUBJECTS.length ? SUBJECTS[i]! : `${SUBJECTS[i % SUBJECTS.length]}, number ${i}`);

async function writeProjectFiles(dir: string, config: string, imports: string[]): Promise<void> {
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  // The package as users install it: `import meshy from 'vite-plugin-meshy'` loads dist/ from node_modules.
  await symlink(repo, join(dir, 'node_modules/vite-plugin-meshy'), 'dir');
  const names = imports.map((_, i) => `m${i}`);
  await writeFile(join(dir, 'package.json'), `${JSON.stringify({ name: 'bench-warm', private: true, type: 'module' })}\n`);
  await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
  await writeFile(join(dir, 'main.js'), `${imports.map((from, i) => `import ${names[i]} from '${from}';`).join('\n')}\nconsole.log(${names.join(', ')});\n`);
  await writeFile(join(dir, 'vite.config.mjs'), config);
}

/** Makes the five models with the emulator (one `vite build`), then each N's two projects. */
async function prepare(tmp: string): Promise<Map<number, Projects>> {
  const prep = join(tmp, 'prep');
  const prepImports = SUBJECTS.map((_, i) => `meshy:prompt?text=${promptOf(i)}`);
  await writeProjectFiles(prep, MESHY_CONFIG, prepImports);
  await writeFile(join(prep, 'vite.config.prep.mjs'), PREP_CONFIG);
  await runNode([viteCli, 'build', '--config', 'vite.config.prep.mjs', '--logLevel', 'warn'], prep, join(tmp, 'usage.json'));

  // Keys through the project core, as the plugin computes them.
  const project = createProject(STORE_OPTIONS, { root: prep, env: {} });
  const keyOf = (i: number) => project.source.keyOf(project.parse(`meshy:prompt?text=${promptOf(i)}`));
  const store = join(prep, '.meshy');
  const manifest = JSON.parse(await readFile(join(store, 'manifest.json'), 'utf8')) as {
    version: 1;
    entries: Record<string, { files: { glb: { sha256: string } } }>;
  };
  const entries = SUBJECTS.map((subject, i) => {
    const entry = manifest.entries[keyOf(i)];
    if (!entry) throw new Error(`the prep build stored no entry for "${subject}" under the key computed here: keys differ`);
    return entry;
  });
  // The optimized file of each raw model (its meta names the raw hash).
  const optimizedOf = new Map<string, string>();
  const optimizedDir = join(store, 'optimized');
  for (const name of (await readdir(optimizedDir)).filter((f) => f.endsWith('.json'))) {
    const meta = JSON.parse(await readFile(join(optimizedDir, name), 'utf8')) as { rawSha256?: string };
    if (meta.rawSha256) optimizedOf.set(meta.rawSha256, join(optimizedDir, name.replace(/\.json$/, '.glb')));
  }
  const optimizedFile = (i: number) => optimizedOf.get(entries[i % entries.length]!.files.glb.sha256)!;
  if (entries.some((_, i) => !optimizedFile(i))) throw new Error('the prep build left a model without its optimized file');

  const projects = new Map<number, Projects>();
  for (const n of sizes) {
    const meshy = join(tmp, `meshy-${n}`);
    const plain = join(tmp, `plain-${n}`);
    const indices = Array.from({ length: n }, (_, i) => i);
    await writeProjectFiles(
      meshy,
      MESHY_CONFIG,
      indices.map((i) => `meshy:prompt?text=${promptOf(i)}`),
    );
    await cp(store, join(meshy, '.meshy'), { recursive: true });
    // Each prompt's entry is the entry of the model it reuses, as if Meshy had made it for that prompt.
    const ownEntries = Object.fromEntries(indices.map((i) => [keyOf(i), { ...entries[i % entries.length]!, label: promptOf(i) }]));
    const sorted = Object.fromEntries(Object.entries(ownEntries).sort(([a], [b]) => (a < b ? -1 : 1)));
    await writeFile(join(meshy, '.meshy/manifest.json'), `${JSON.stringify({ version: 1, entries: sorted }, null, 2)}\n`);

    await writeProjectFiles(
      plain,
      PLAIN_CONFIG,
      indices.map((i) => `./models/m${i}.glb?url`),
    );
    await mkdir(join(plain, 'models'));
    for (const i of indices) await cp(optimizedFile(i), join(plain, `models/m${i}.glb`));
    projects.set(n, { meshy, plain });
  }
  await project.close();
  return projects;
}

/** The GLB files a build wrote, by content: both projects must ship the same bytes. */
async function shippedGlbs(project: string): Promise<string[]> {
  const dir = join(project, 'dist/assets');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.glb'));
  const hashes = await Promise.all(
    names.map(async (name) =>
      createHash('sha256')
        .update(await readFile(join(dir, name)))
        .digest('hex'),
    ),
  );
  return hashes.sort();
}

// ---------------------------------------------------------------------------------------------------

/** The meshy project (served from its warm record), the `?url` project, and the meshy project with its warm record deleted first. */
type Side = 'meshy' | 'plain' | 'unrecorded';
const SIDES: Side[] = ['meshy', 'plain', 'unrecorded'];
const SIDE_LABELS: Record<Side, string> = {
  meshy: 'cached meshy:prompt imports',
  plain: '?url imports of the same GLBs',
  unrecorded: 'cached meshy: imports, no warm record',
};

interface DevRun {
  listeningMs: number;
  mainMs: number;
  moduleMs: number;
  assetMs: number;
}

const met = (yes: boolean) => (yes ? 'yes' : 'no');

const IMPORT_VARIANTS = [
  { name: 'node, nothing imported', code: `process.stdout.write(JSON.stringify({ total: performance.now() }))` },
  { name: 'vite', code: `await import('vite'); process.stdout.write(JSON.stringify({ total: performance.now() }))` },
  { name: 'vite-plugin-meshy (loads vite)', code: `await import('${pluginEntry}'); process.stdout.write(JSON.stringify({ total: performance.now() }))` },
  {
    name: 'vite, then vite-plugin-meshy',
    code: `await import('vite'); const start = performance.now(); await import('${pluginEntry}'); process.stdout.write(JSON.stringify({ total: performance.now(), own: performance.now() - start }))`,
  },
];

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const [load1, load5, load15] = loadavg();
  const viteVersion = (JSON.parse(await readFile(join(repo, 'node_modules/vite/package.json'), 'utf8')) as { version: string }).version;
  console.log(
    `vite-plugin-meshy warm benchmark: node ${process.version}, vite ${viteVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? '?'}), ` +
      `load average ${load1!.toFixed(2)} ${load5!.toFixed(2)} ${load15!.toFixed(2)} at start; ${runs} runs, N = ${sizes.join(', ')}\n`,
  );
  const tmp = await mkdtemp(join(tmpdir(), 'meshy-bench-warm-'));
  process.once('SIGINT', () => {
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  });
  const usage = join(tmp, 'usage.json');
  const loadedFile = join(tmp, 'loaded.txt');
  await writeFile(join(tmp, 'loaded-hooks.mjs'), LOADED_HOOKS);
  await writeFile(join(tmp, 'loaded-preload.mjs'), LOADED_PRELOAD);
  /** One run of a child that lists the modules it loaded (not timed: the hooks cost time). */
  const recordLoaded = async (argv: string[], cwd: string): Promise<LoadedModules> => {
    await rm(loadedFile, { force: true });
    await runNode(['--import', pathToFileURL(join(tmp, 'loaded-preload.mjs')).href, ...argv], cwd, usage, { MESHY_BENCH_LOADED_FILE: loadedFile });
    return loadedModules(loadedFile);
  };
  const devChild = join(here, 'warm-dev.js');
  try {
    process.stderr.write('preparing: 5 models from the emulator, projects, warm-up builds…\n');
    const prepStarted = performance.now();
    const projects = await prepare(tmp);
    const loaded = new Map<string, LoadedModules>();
    const shipped = new Map<number, string[]>();
    loaded.set('import vite-plugin-meshy', await recordLoaded(['--input-type=module', '-e', `await import('${pluginEntry}')`], repo));
    for (const [n, { meshy, plain }] of projects) {
      // Warm-up: fills anything the prep left (the optimized files are shared by raw hash), warms the disk cache.
      loaded.set(`vite build, ${n} cached models`, await recordLoaded([viteCli, 'build'], meshy));
      await runNode([viteCli, 'build'], plain, usage);
      const [ours, theirs] = [await shippedGlbs(meshy), await shippedGlbs(plain)];
      if (ours.join() !== theirs.join()) throw new Error(`N=${n}: the meshy build and the ?url build ship different GLB files`);
      shipped.set(n, ours);
      loaded.set(`dev server + first model, ${n} cached`, await recordLoaded([devChild, meshy], meshy));
    }
    const prepMs = performance.now() - prepStarted;

    process.stderr.write('import times…\n');
    const importRuns = new Map<string, { total: number; own?: number }[]>(IMPORT_VARIANTS.map((v) => [v.name, []]));
    for (let r = 0; r < runs; r++) {
      for (const variant of r % 2 ? [...IMPORT_VARIANTS].reverse() : IMPORT_VARIANTS) {
        const run = await runNode(['--input-type=module', '-e', variant.code], repo, usage);
        importRuns.get(variant.name)!.push(JSON.parse(run.stdout) as { total: number; own?: number });
      }
    }

    const builds = new Map<number, Record<Side, ChildRun[]>>();
    const devs = new Map<number, Record<Side, DevRun[]>>();
    for (const [n, dirs] of projects) {
      process.stderr.write(`builds and dev starts, N=${n}…\n`);
      const build: Record<Side, ChildRun[]> = { meshy: [], plain: [], unrecorded: [] };
      const dev: Record<Side, DevRun[]> = { meshy: [], plain: [], unrecorded: [] };
      const dirOf = (side: Side) => (side === 'plain' ? dirs.plain : dirs.meshy);
      for (let r = 0; r < runs; r++) {
        // The record-less run comes last: it writes the record again, for the next warm run.
        const order: Side[] = r % 2 ? ['plain', 'meshy', 'unrecorded'] : ['meshy', 'plain', 'unrecorded'];
        for (const side of order) {
          if (side === 'unrecorded') await rm(join(dirs.meshy, 'node_modules/.vite/vite-plugin-meshy/warm-build-production.json'), { force: true });
          build[side].push(await runNode([viteCli, 'build'], dirOf(side), usage));
        }
        for (const side of order) {
          if (side === 'unrecorded') await rm(join(dirs.meshy, 'node_modules/.vite/vite-plugin-meshy/warm-serve-development.json'), { force: true });
          dev[side].push(JSON.parse((await runNode([devChild, dirOf(side)], dirOf(side), usage)).stdout) as DevRun);
        }
      }
      builds.set(n, build);
      devs.set(n, dev);
    }

    const profiles = cpuProfile ? await profileRuns(tmp, projects, usage) : [];

    // ------------------------------------------------------------------ report
    console.log(`\nImport time, from process start (median of ${runs}, min–max):`);
    table(
      ['process imports', 'done at', "plugin's own"],
      IMPORT_VARIANTS.map(({ name }) => {
        const list = importRuns.get(name)!;
        const own = list.flatMap((run) => (run.own === undefined ? [] : [run.own]));
        return [name, spread(list.map((run) => run.total)), own.length ? spread(own) : ''];
      }),
    );

    console.log('Modules loaded (a resolve hook and require.cache; one run each, not timed):');
    table(
      ['process', 'modules', 'of dist/', 'heavy ones loaded'],
      [...loaded].map(([what, modules]) => [what, String(modules.total), String(modules.plugin), modules.heavy.join(', ') || 'none']),
    );

    console.log(`Warm production builds, \`vite build\` (median of ${runs}, min–max; CPU all threads; peak RSS max):`);
    table(
      ['project', 'wall', 'CPU', 'peak RSS', 'GLB files shipped'],
      [...builds].flatMap(([n, build]) =>
        SIDES.map((side) => [
          `${n} ${SIDE_LABELS[side]}`,
          spread(build[side].map((run) => run.wallMs)),
          ms(median(build[side].map((run) => run.cpuMs))),
          `${Math.max(...build[side].map((run) => run.peakMb)).toFixed(0)} MB`,
          `${shipped.get(n)!.length} (${new Set(shipped.get(n)).size} distinct)`,
        ]),
      ),
    );

    console.log(`Dev server (median of ${runs}, min–max): start = process start → listening; then a first visit's requests:`);
    table(
      ['project', 'start', 'GET main.js', 'GET 1st model module', 'GET its GLB'],
      [...devs].flatMap(([n, dev]) =>
        SIDES.map((side) => [
          `${n} ${SIDE_LABELS[side]}`,
          spread(dev[side].map((run) => run.listeningMs)),
          spread(dev[side].map((run) => run.mainMs)),
          spread(dev[side].map((run) => run.moduleMs)),
          spread(dev[side].map((run) => run.assetMs)),
        ]),
      ),
    );

    for (const [dir, title] of profiles) await summarizeProfile(dir, title);

    const ownImport = median(importRuns.get(IMPORT_VARIANTS[3]!.name)!.map((run) => run.own!));
    const goals: string[][] = [['plugin import: its own cost, after vite (median)', ms(ownImport), `≤ ${GOALS.importMs} ms`, met(ownImport <= GOALS.importMs)]];
    for (const [n, build] of builds) {
      const ratio = median(build.meshy.map((run) => run.wallMs)) / median(build.plain.map((run) => run.wallMs));
      const goal = GOALS.ratio.get(n);
      goals.push([
        `warm build, meshy / ?url, N = ${n} (ratio of medians)`,
        `${ratio.toFixed(2)}×`,
        goal ? `≤ ${goal}×` : '(no goal)',
        goal ? met(ratio <= goal) : '',
      ]);
      const unrecorded = median(build.unrecorded.map((run) => run.wallMs)) / median(build.plain.map((run) => run.wallMs));
      goals.push([`  the same without the warm record (first build after an option change)`, `${unrecorded.toFixed(2)}×`, '', '']);
    }
    for (const [n, dev] of devs) {
      const start = (side: Side) => median(dev[side].map((run) => run.listeningMs));
      const extra = start('meshy') - start('plain');
      goals.push([
        `dev start, meshy − plain Vite, N = ${n}`,
        `${extra >= 0 ? '+' : ''}${ms(extra)}`,
        `≤ +${GOALS.devStartMs} ms`,
        met(extra <= GOALS.devStartMs),
      ]);
      const unrecorded = start('unrecorded') - start('plain');
      goals.push([`  the same without the warm record`, `${unrecorded >= 0 ? '+' : ''}${ms(unrecorded)}`, '', '']);
    }
    console.log('Goals of issue 12:');
    table(['figure', 'now', 'goal', 'met'], goals);
    console.log(`bench took ${((performance.now() - benchStarted) / 1000).toFixed(0)} s (preparation ${(prepMs / 1000).toFixed(0)} s)`);
  } finally {
    if (keep) console.log(`kept the projects in ${tmp}`);
    else await rm(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  }
}

/** One profiled run each of the plugin's import and of the largest meshy build: [profile dir, title]. */
async function profileRuns(tmp: string, projects: Map<number, Projects>, usage: string): Promise<[string, string][]> {
  process.stderr.write('CPU profiles…\n');
  const importDir = join(tmp, 'profile-import');
  await runNode(['--cpu-prof', '--cpu-prof-dir', importDir, '--input-type=module', '-e', IMPORT_VARIANTS[2]!.code], repo, usage);
  const n = Math.max(...projects.keys());
  const buildDir = join(tmp, 'profile-build');
  await runNode(['--cpu-prof', '--cpu-prof-dir', buildDir, viteCli, 'build'], projects.get(n)!.meshy, usage);
  return [
    [importDir, 'import of vite-plugin-meshy (with vite)'],
    [buildDir, `vite build, ${n} cached models`],
  ];
}

await main();
