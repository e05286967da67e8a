/**
 * `npm run bench:optimize`: every GLB in ../shared/fixtures through our default preset,
 * `gltf-transform optimize` (defaults, and meshopt + WebP) and `gltfpack -cc`, side by side.
 * Each run is a fresh Node process (all pay the same start-up), interleaved per fixture so load from
 * other processes hits every variant alike; wall and CPU time (all threads) are medians of
 * `--runs N` (default 1). Peak memory is the child's own VmHWM. Quality is measured the same way
 * for every output.
 *
 * Then the rate–distortion check: our `web` preset is swept over texture quality (`SWEEP_QUALITIES`) on
 * every textured fixture, and its bytes are read off that curve at gt meshopt+webp's texture PSNR (and its
 * PSNR at gt's bytes), so "smaller" is only ever claimed at matched quality. The `gpu` preset (KTX2) is
 * run beside `web` for the video memory column (estimated as meta.optimization.gpuBytes does).
 *
 *   npm run bench:optimize [-- --runs 3] [-- --only meshy] [-- --no-sweep] [-- --no-gpu] [-- --fixtures DIR]
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Document, NodeIO } from '@gltf-transform/core';
import { gpuBytes } from '../src/optimize/gpu-memory.js';
import { getDracoIO, readModelStats } from '../src/optimize/index.js';
import { validateGlb } from '../test/helpers/validate.js';
import { measureQuality } from './quality.js';

const root = process.cwd();
const args = process.argv.slice(2);
const argValue = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
/** Any folder of GLBs: `--fixtures <dir>` (or MESHY_FIXTURES), e.g. a held-out set the presets were not tuned on. */
const fixturesDir = resolve(argValue('--fixtures') ?? process.env.MESHY_FIXTURES ?? join(root, '../shared/fixtures'));
const here = dirname(fileURLToPath(import.meta.url));
const outRoot = join(root, 'node_modules/.cache/meshy-bench/out');
const preload = join(root, 'bench/rss-preload.cjs');
const runs = Number(args[args.indexOf('--runs') + 1] ?? 1) || 1;
const only = argValue('--only');

interface Variant {
  name: string;
  command: (input: string, output: string) => string[];
  /** Options for our optimizer (run-ours reads MESHY_BENCH_OPTIONS). */
  options?: Record<string, unknown>;
}

const gltfTransform = join(root, 'node_modules/@gltf-transform/cli/bin/cli.js');
const gltfpack = join(root, 'node_modules/gltfpack/cli.js');
const ours = (i: string, o: string) => [join(here, 'run-ours.js'), dirname(o), i];
const withGpu = !args.includes('--no-gpu');
const withSweep = !args.includes('--no-sweep');
/** Texture qualities (colour and normal maps alike) the web preset is swept over; 78 is its default. */
const SWEEP_QUALITIES = [70, 78, 82, 86, 92];
/** Fixtures that are real Meshy output: the ≤ 0.90× bar applies to them. */
const isMeshy = (fixture: string) => fixture.startsWith('meshy');
const VARIANTS: Variant[] = [
  { name: 'ours (web)', command: ours },
  ...(withGpu ? [{ name: 'ours (gpu)', command: ours, options: { preset: 'gpu' } }] : []),
  { name: 'gt optimize', command: (i, o) => [gltfTransform, 'optimize', i, o] },
  { name: 'gt meshopt+webp', command: (i, o) => [gltfTransform, 'optimize', i, o, '--compress', 'meshopt', '--texture-compress', 'webp'] },
  { name: 'gltfpack -cc', command: (i, o) => [gltfpack, '-i', i, '-o', o, '-cc'] },
];

interface Run {
  wallS: number;
  cpuS: number;
  peakMb: number;
  /** KTX2 encoder time (0 for other outputs). */
  encodeS: number;
}

async function runChild(argv: string[], rssFile: string, env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  let stdout = '';
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(process.execPath, ['--require', preload, ...argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, MESHY_BENCH_RSS_FILE: rssFile },
    });
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
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
  // run-ours prints its report: the KTX2 encoder's own time is in it.
  const encodeMs = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .reduce((sum, line) => sum + ((JSON.parse(line) as { report?: { textureEncodeMs?: number } }).report?.textureEncodeMs ?? 0), 0);
  return { wallS, cpuS: usage.cpuUs / 1e6, peakMb: usage.kb / 1024, encodeS: encodeMs / 1000 };
}

const optionsEnv = (options?: Record<string, unknown>): Record<string, string> => (options ? { MESHY_BENCH_OPTIONS: JSON.stringify(options) } : {});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const kib = (bytes: number) => (bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 });
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

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
  /** Estimated video memory of the textures with mipmaps (RGBA8, or 1 B/texel for KTX2). */
  gpuBytes: number;
  encodeS: number;
  textureFormats: string;
}

/** One point of our web preset's rate–distortion curve. */
interface CurvePoint {
  quality: number;
  bytes: number;
  psnr: number;
  triangles: number;
}

async function main(): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(fixturesDir)).filter((f) => f.endsWith('.glb') && (!only || f.includes(only))).sort();
  } catch {
    console.error(`No fixtures at ${fixturesDir} (pass --fixtures DIR, set MESHY_FIXTURES or place ../shared/fixtures beside the repo).`);
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
        const run = await runChild(variant.command(input, join(dir, file)), join(dir, `${file}.rss`), optionsEnv(variant.options));
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
        gpuBytes: gpuBytes(stats.textures),
        encodeS: median(runsOf.map((r) => r.encodeS)),
        textureFormats: [...new Set(stats.textures.map((t) => t.mimeType.replace('image/', '')))].join('+') || '—',
      });
    }
    if (withSweep && sourceStats.textures.length > 0) curves.set(file.replace(/\.glb$/, ''), await sweep(input, sourceDocument, io));
    process.stderr.write(`done ${file}\n`);
  }
  printTable(rows);
  printVerdict(rows);
  if (curves.size > 0) printRateDistortion(rows, curves);
  if (withGpu) printVideoMemory(rows);
  await batch(files.map((f) => join(fixturesDir, f)));
}

const curves = new Map<string, CurvePoint[]>();

/** Our web preset at each of SWEEP_QUALITIES (one run each): bytes, texture PSNR (min over slots) and triangles. */
async function sweep(input: string, sourceDocument: Document, io: NodeIO): Promise<CurvePoint[]> {
  const points: CurvePoint[] = [];
  const dir = join(outRoot, 'sweep');
  await mkdir(dir, { recursive: true });
  const file = join(dir, basename(input));
  for (const quality of SWEEP_QUALITIES) {
    await runChild(ours(input, file), `${file}.rss`, optionsEnv({ textureQuality: quality, normalTextureQuality: quality }));
    const out = new Uint8Array(await readFile(file));
    const document = await io.readBinary(out);
    const measured = await measureQuality(sourceDocument, document);
    if (measured.psnrMin !== null) points.push({ quality, bytes: out.byteLength, psnr: measured.psnrMin, triangles: readModelStats(document).triangles });
  }
  return points.sort((a, b) => a.psnr - b.psnr);
}

/**
 * Linear interpolation of `y` at `x` over points sorted by x; null outside the measured range (no
 * extrapolation: a bar is met only where it was measured).
 */
function interpolate(points: { x: number; y: number }[], x: number): number | null {
  const sorted = [...points].sort((a, b) => a.x - b.x);
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!,
      b = sorted[i + 1]!;
    if (x >= a.x && x <= b.x) return b.x === a.x ? a.y : a.y + ((x - a.x) / (b.x - a.x)) * (b.y - a.y);
  }
  return null;
}

/** Bytes at matched texture PSNR and PSNR at matched bytes, against gt meshopt+webp. */
function printRateDistortion(rows: Row[], curves: Map<string, CurvePoint[]>): void {
  console.log(`\nRate–distortion against gt meshopt+webp (our web preset swept over texture quality ${SWEEP_QUALITIES.join('/')}):`);
  const header = [
    'fixture',
    'gt KiB',
    'gt PSNR min dB',
    'ours KiB at gt PSNR',
    'ratio',
    'ours PSNR at gt KiB',
    'Δ dB',
    'tris ours / gt',
    'curve (q: KiB @ dB)',
  ];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 || i === header.length - 1 ? '---' : '---:')).join('|')}|`);
  for (const [fixture, points] of curves) {
    const gt = rows.find((r) => r.fixture === fixture && r.variant === 'gt meshopt+webp');
    const web = rows.find((r) => r.fixture === fixture && r.variant === 'ours (web)');
    if (!gt || gt.psnrMin === null || points.length < 2) continue;
    // Bytes interpolate on a log scale (a dB costs a roughly constant share of the bytes).
    const logBytes = interpolate(
      points.map((p) => ({ x: p.psnr, y: Math.log(p.bytes) })),
      gt.psnrMin,
    );
    const bytesAtPsnr = logBytes === null ? null : Math.exp(logBytes);
    const psnrAtBytes = interpolate(
      points.map((p) => ({ x: p.bytes, y: p.psnr })),
      gt.outBytes,
    );
    console.log(
      `| ${[
        fixture,
        kib(gt.outBytes),
        gt.psnrMin.toFixed(2),
        bytesAtPsnr === null ? 'out of range' : kib(bytesAtPsnr),
        bytesAtPsnr === null ? '—' : `${(bytesAtPsnr / gt.outBytes).toFixed(3)}×`,
        psnrAtBytes === null ? 'out of range' : psnrAtBytes.toFixed(2),
        psnrAtBytes === null ? '—' : `${psnrAtBytes - gt.psnrMin >= 0 ? '+' : ''}${(psnrAtBytes - gt.psnrMin).toFixed(2)}`,
        `${(web?.trisOut ?? 0).toLocaleString('en-US')} / ${gt.trisOut.toLocaleString('en-US')}`,
        points.map((p) => `${p.quality}: ${kib(p.bytes)} @ ${p.psnr.toFixed(1)}`).join(', '),
      ].join(' | ')} |`,
    );
    if (isMeshy(fixture) && bytesAtPsnr !== null) {
      const ratio = bytesAtPsnr / gt.outBytes;
      console.log(`  ${fixture}: ${ratio <= 0.9 ? 'meets' : 'MISSES'} the ≤ 0.90× bar at matched PSNR (${ratio.toFixed(3)}×)`);
    }
  }
}

/** The gpu preset's video memory against the web preset's, with its quality, encode time and validator result. */
function printVideoMemory(rows: Row[]): void {
  console.log('\nVideo memory (textures with mipmaps; RGBA8 for PNG/JPEG/WebP, 1 B/texel for KTX2 as BC7/ASTC 4×4):');
  for (const fixture of [...new Set(rows.map((r) => r.fixture))]) {
    const web = rows.find((r) => r.fixture === fixture && r.variant === 'ours (web)');
    const gpu = rows.find((r) => r.fixture === fixture && r.variant === 'ours (gpu)');
    if (!web || !gpu || web.gpuBytes === 0) continue;
    if (!gpu.textureFormats.includes('ktx2')) {
      console.log(`- ${fixture}: no KTX2 texture (${gpu.textureFormats}: made after the texture step, e.g. palette()); ${mib(gpu.gpuBytes)} MiB`);
      continue;
    }
    const ratio = gpu.gpuBytes / web.gpuBytes;
    const psnrOk = gpu.psnrMin !== null && gpu.psnrMin >= 32;
    console.log(
      `- ${fixture}: gpu ${mib(gpu.gpuBytes)} vs web ${mib(web.gpuBytes)} MiB = ${ratio.toFixed(4)}× ` +
        `(${ratio <= 0.25 + 1e-5 && psnrOk ? 'meets' : 'MISSES'} ≤ 0.25× at PSNR ≥ 32 dB: gpu PSNR min ${gpu.psnrMin?.toFixed(2) ?? '—'} dB, normal ${gpu.normalAngleDeg ?? '—'}°), ` +
        `download ${kib(gpu.outBytes)} vs ${kib(web.outBytes)} KiB, KTX2 encode ${gpu.encodeS.toFixed(1)} s of ${gpu.wallS.toFixed(1)} s wall, validator E/W ${gpu.validator}`,
    );
  }
}

function countTargets(document: Document): number {
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
    'textures',
    'VRAM MiB',
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
        r.textureFormats,
        mib(r.gpuBytes),
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
