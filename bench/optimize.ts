/**
 * `npm run bench:optimize`: every GLB in ../shared/fixtures through our default preset,
 * `gltf-transform optimize` (defaults, and meshopt + WebP) and `gltfpack -cc`, side by side.
 * Each run is a fresh Node process (all pay the same start-up), interleaved per fixture so load from
 * other processes hits every variant alike; wall and CPU time (all threads) are medians of
 * `--runs N` (default 1). Peak memory is the child's own VmHWM. Quality is measured the same way
 * for every output.
 *
 *   npm run bench:optimize [-- --runs 3] [-- --only meshy]
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { getDracoIO, readModelStats } from '../src/optimize/index.js';
import { validateGlb } from '../test/helpers/validate.js';
import { measureQuality } from './quality.js';

const root = process.cwd();
const fixturesDir = resolve(process.env.MESHY_FIXTURES ?? join(root, '../shared/fixtures'));
const here = dirname(fileURLToPath(import.meta.url));
const outRoot = join(root, 'node_modules/.cache/meshy-bench/out');
const preload = join(root, 'bench/rss-preload.cjs');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 1) || 1;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

interface Variant {
  name: string;
  command: (input: string, output: string) => string[];
}

const gltfTransform = join(root, 'node_modules/@gltf-transform/cli/bin/cli.js');
const gltfpack = join(root, 'node_modules/gltfpack/cli.js');
const VARIANTS: Variant[] = [
  { name: 'ours (web)', command: (i, o) => [join(here, 'run-ours.js'), dirname(o), i] },
  { name: 'gt optimize', command: (i, o) => [gltfTransform, 'optimize', i, o] },
  { name: 'gt meshopt+webp', command: (i, o) => [gltfTransform, 'optimize', i, o, '--compress', 'meshopt', '--texture-compress', 'webp'] },
  { name: 'gltfpack -cc', command: (i, o) => [gltfpack, '-i', i, '-o', o, '-cc'] },
];

interface Run {
  wallS: number;
  cpuS: number;
  peakMb: number;
}

async function runChild(argv: string[], rssFile: string, env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, ['--require', preload, ...argv], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env, MESHY_BENCH_RSS_FILE: rssFile },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('exit', (c) => {
      if (c !== 0) process.stderr.write(`${argv.join(' ')}\n${stderr}\n`);
      done(c ?? 1);
    });
  });
  const wallS = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`exit ${code}`);
  const usage = JSON.parse(await readFile(rssFile, 'utf8')) as { kb: number; cpuUs: number };
  return { wallS, cpuS: usage.cpuUs / 1e6, peakMb: usage.kb / 1024 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (bytes: number) => (bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 });

interface Row {
  fixture: string;
  variant: string;
  inBytes: number;
  outBytes: number;
  gzipBytes: number;
  wallS: number;
  cpuS: number;
  peakMb: number;
  trisIn: number;
  trisOut: number;
  psnrMin: number | null;
  normalAngleDeg: number | null;
  geometryPermille: number;
  validator: string;
  animations: string;
}

async function main(): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(fixturesDir)).filter((f) => f.endsWith('.glb') && (!only || f.includes(only))).sort();
  } catch {
    console.error(`No fixtures at ${fixturesDir} (set MESHY_FIXTURES or place ../shared/fixtures beside the repo).`);
    process.exit(1);
  }
  await rm(outRoot, { recursive: true, force: true });
  const io = await getDracoIO();
  const rows: Row[] = [];
  for (const file of files) {
    const input = join(fixturesDir, file);
    const inputBytes = new Uint8Array(await readFile(input));
    const sourceDocument = await io.readBinary(inputBytes);
    const sourceStats = readModelStats(sourceDocument);
    const timings = new Map<string, Run[]>();
    for (let r = 0; r < runs; r++) {
      for (const [index, variant] of VARIANTS.entries()) {
        const dir = join(outRoot, `v${index}`);
        await mkdir(dir, { recursive: true });
        const run = await runChild(variant.command(input, join(dir, file)), join(dir, `${file}.rss`));
        timings.set(variant.name, [...(timings.get(variant.name) ?? []), run]);
      }
    }
    for (const [index, variant] of VARIANTS.entries()) {
      const out = new Uint8Array(await readFile(join(outRoot, `v${index}`, file)));
      const document = await io.readBinary(out);
      const stats = readModelStats(document);
      const quality = await measureQuality(sourceDocument, document);
      const validation = await validateGlb(out);
      const runsOf = timings.get(variant.name)!;
      rows.push({
        fixture: file.replace(/\.glb$/, ''),
        variant: variant.name,
        inBytes: inputBytes.byteLength,
        outBytes: out.byteLength,
        gzipBytes: gzipSync(out, { level: 9 }).byteLength,
        wallS: median(runsOf.map((r) => r.wallS)),
        cpuS: median(runsOf.map((r) => r.cpuS)),
        peakMb: Math.max(...runsOf.map((r) => r.peakMb)),
        trisIn: sourceStats.triangles,
        trisOut: stats.triangles,
        psnrMin: quality.psnrMin,
        normalAngleDeg: quality.normalAngleDeg,
        geometryPermille: quality.geometryPermille,
        validator: `${validation.errors}/${validation.warnings}`,
        animations: `${stats.animations.length}a ${document.getRoot().listSkins().length}s ${countTargets(document)}m`,
      });
    }
    process.stderr.write(`done ${file}\n`);
  }
  printTable(rows);
  printVerdict(rows);
  await batch(files.map((f) => join(fixturesDir, f)));
}

function countTargets(document: import('@gltf-transform/core').Document): number {
  let targets = 0;
  for (const mesh of document.getRoot().listMeshes()) for (const p of mesh.listPrimitives()) targets += p.listTargets().length;
  return targets;
}

function printTable(rows: Row[]): void {
  const header = [
    'fixture',
    'variant',
    'in KiB',
    'out KiB',
    'out/in',
    'gzip KiB',
    'wall s',
    'CPU s',
    'peak MB',
    'tris in → out',
    'tex PSNR min dB',
    'normal err °',
    'geom ‰',
    'validator E/W',
    'anims/skins/morphs',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) {
    console.log(
      `| ${[
        r.fixture,
        r.variant,
        kib(r.inBytes),
        kib(r.outBytes),
        (r.outBytes / r.inBytes).toFixed(3),
        kib(r.gzipBytes),
        r.wallS.toFixed(2),
        r.cpuS.toFixed(2),
        r.peakMb.toFixed(0),
        `${r.trisIn.toLocaleString('en-US')} → ${r.trisOut.toLocaleString('en-US')}`,
        r.psnrMin?.toFixed(2) ?? '—',
        r.normalAngleDeg?.toFixed(2) ?? '—',
        r.geometryPermille.toFixed(2),
        r.validator,
        r.animations,
      ].join(' | ')} |`,
    );
  }
}

/** The issue's bars, checked from the rows. */
function printVerdict(rows: Row[]): void {
  console.log('\nDone-when bars:');
  const by = (fixture: string, variant: string) => rows.find((r) => r.fixture === fixture && r.variant === variant);
  for (const fixture of [...new Set(rows.map((r) => r.fixture))]) {
    const ours = by(fixture, 'ours (web)')!;
    const gt = by(fixture, 'gt meshopt+webp')!;
    const gp = by(fixture, 'gltfpack -cc')!;
    const parts = [`bytes ${(ours.outBytes / gt.outBytes).toFixed(3)}× gt meshopt+webp`];
    if (ours.psnrMin !== null && gt.psnrMin !== null) parts.push(`PSNR min ${ours.psnrMin.toFixed(2)} vs ${gt.psnrMin.toFixed(2)} dB`);
    if (ours.normalAngleDeg !== null && gt.normalAngleDeg !== null) parts.push(`normal ${ours.normalAngleDeg}° vs ${gt.normalAngleDeg}°`);
    parts.push(
      `wall ${ours.wallS.toFixed(2)} vs ${gt.wallS.toFixed(2)} s`,
      `CPU ${ours.cpuS.toFixed(2)} vs ${gt.cpuS.toFixed(2)} s`,
      `${(ours.outBytes / gp.outBytes).toFixed(3)}× gltfpack -cc`,
    );
    console.log(`- ${fixture}: ${parts.join(', ')}`);
  }
}

/** Several models at once on the worker pool (both cores): the memory bound. */
async function batch(inputs: string[]): Promise<void> {
  const dir = join(outRoot, 'batch');
  await mkdir(dir, { recursive: true });
  const run = await runChild([join(here, 'run-ours.js'), dir, ...inputs], join(dir, 'rss'));
  console.log(
    `\nBatch: ${inputs.length} models on the worker pool in one process: ${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU, peak RSS ${run.peakMb.toFixed(0)} MB.`,
  );
}

await main();
