import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Dispatcher, request } from 'undici';
import { stripQuery } from '../errors.js';
import { MeshyDownloadError, MeshyResponseError } from './errors.js';
import { createStreamCheck, type FileKind } from './file-check.js';
import type { TaskResource } from './resources.js';
import { withRetries } from './retry.js';
import type { BaseTask } from './schemas.js';
import type { CallOptions } from './tasks.js';
import type { Transport } from './transport.js';

/** The default of the plugin option `maxDownloadBytes`: Meshy's largest results are a few hundred MB. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 1024 ** 3;

interface BoundOptions extends CallOptions {
  /** A larger file is refused (MESHY_DOWNLOAD_TOO_LARGE) as soon as its size is known. */
  maxBytes?: number;
  /** Names the file in errors, e.g. "the result of text-to-3d task 0193…". */
  label?: string;
}

export interface DownloadOptions extends BoundOptions {
  /** Throws when the bytes are not what was asked for (a truncated or foreign file); the download is retried. */
  validate?: (bytes: Uint8Array) => void;
}

export interface FileDownloadOptions extends BoundOptions {
  /** Where the temp file is written: the store's tmp dir, on the store's file system, so it can be renamed into place. */
  dir: string;
  /** What the file must be: checked as it streams (file-check.ts); a file that is not is downloaded again. */
  kind: FileKind;
}

/** A downloaded file: a temp file the caller moves or removes, its sha256 and its size, found while it streamed. */
export interface DownloadedFile {
  path: string;
  sha256: string;
  bytes: number;
}

type Downloader = Pick<Transport, 'dispatcher' | 'policy' | 'log'>;

/** An error status other than an expired link, kept as the cause of the final error. */
class UnexpectedStatus extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/**
 * Downloads a small file into memory (no Authorization header: asset URLs are signed, and the key
 * must not travel to another host). Results go to a file instead (`downloadToFile`).
 */
export function downloadAsset(transport: Downloader, url: string, call: DownloadOptions = {}): Promise<Uint8Array> {
  return withDownloadRetries(transport, url, call, (body, declared) => readAll(body, declared, call.validate));
}

/**
 * Streams a file to a temp file in `options.dir`, hashing and checking it as it arrives, under the
 * size bound: a result of hundreds of MB never sits in memory. A failed attempt leaves no file.
 */
export function downloadToFile(transport: Downloader, url: string, options: FileDownloadOptions): Promise<DownloadedFile> {
  return withDownloadRetries(transport, url, options, (body, declared) => writeTempFile(body, declared, options));
}

/**
 * Network failures, error statuses and bodies that are short or fail their check are retried; an
 * expired link (403, 410), a missing file (404) and a file over the bound are not.
 */
async function withDownloadRetries<T>(transport: Downloader, url: string, call: BoundOptions, consume: Consume<T>): Promise<T> {
  const shown = stripQuery(url);
  const worthRetrying = (error: unknown) => !(error instanceof MeshyDownloadError) && !(error instanceof UnexpectedStatus && error.status === 404);
  try {
    return await withRetries(
      transport,
      `download of ${shown}`,
      () => downloadOnce(transport.dispatcher, url, shown, call, consume),
      worthRetrying,
      call.signal,
    );
  } catch (error) {
    if (error instanceof MeshyDownloadError) throw error;
    if (call.signal?.aborted) throw call.signal.reason;
    const reason = (error as Error)?.message ?? 'unknown error';
    throw new MeshyDownloadError(
      'MESHY_DOWNLOAD_FAILED',
      `Could not download ${call.label ? `${call.label} (${shown})` : shown}: ${reason}`,
      { url: shown },
      error,
    );
  }
}

/** Reads a body; `declared` is its Content-Length, when sent. */
type Consume<T> = (body: AsyncIterable<Uint8Array>, declared: number | undefined) => Promise<T>;

async function downloadOnce<T>(dispatcher: Dispatcher, url: string, shown: string, call: BoundOptions, consume: Consume<T>): Promise<T> {
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, { method: 'GET', dispatcher, signal: call.signal, headersTimeout: 60_000, bodyTimeout: 60_000 });
  } catch (cause) {
    if (call.signal?.aborted) throw call.signal.reason;
    throw cause;
  }
  if (response.statusCode === 403 || response.statusCode === 410) {
    await response.body.dump();
    throw new MeshyDownloadError(
      'MESHY_ASSET_EXPIRED',
      `Meshy's download link ${shown} has expired (HTTP ${response.statusCode}). ` +
        'Meshy keeps results for 3 days; re-read the task for a fresh link, or regenerate the model if the task is older.',
      { url: shown, status: response.statusCode },
    );
  }
  if (response.statusCode >= 400) {
    await response.body.dump();
    throw new UnexpectedStatus(response.statusCode);
  }
  const header = Number(response.headers['content-length'] ?? Number.NaN);
  const declared = Number.isFinite(header) ? header : undefined;
  const maxBytes = call.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  try {
    if (declared !== undefined && declared > maxBytes) throw tooLarge(shown, call, `it is ${formatSize(declared)}`);
    return await consume(
      bounded(response.body, maxBytes, () => tooLarge(shown, call, `more than that arrived`)),
      declared,
    );
  } catch (cause) {
    // Destroying an unfinished undici body emits an AbortError: it is expected here, not news.
    response.body.on('error', () => {}).destroy();
    if (call.signal?.aborted) throw call.signal.reason;
    throw cause;
  }
}

/** The body, failing with `overflow()` once more than `maxBytes` have arrived (a body without Content-Length, or a lying one). */
async function* bounded(body: AsyncIterable<Uint8Array>, maxBytes: number, overflow: () => Error): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of body) {
    received += chunk.byteLength;
    if (received > maxBytes) throw overflow();
    yield chunk;
  }
}

function tooLarge(shown: string, call: BoundOptions, detail: string): MeshyDownloadError {
  const maxBytes = call.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  return new MeshyDownloadError(
    'MESHY_DOWNLOAD_TOO_LARGE',
    `${call.label ? `${capitalize(call.label)} (${shown})` : `The download ${shown}`} is larger than the plugin's download bound, ` +
      `maxDownloadBytes = ${formatSize(maxBytes)}: ${detail}. Nothing was stored. If a file this large is expected, raise the ` +
      'plugin option `maxDownloadBytes` and build again: a finished task is kept in the task journal, so it is downloaded without paying again.',
    { url: shown, maxBytes },
  );
}

async function readAll(body: AsyncIterable<Uint8Array>, declared: number | undefined, validate?: (bytes: Uint8Array) => void): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  const bytes = new Uint8Array(Buffer.concat(chunks));
  if (declared !== undefined && declared !== bytes.byteLength) throw new Error(`expected ${declared} bytes, got ${bytes.byteLength}`);
  validate?.(bytes);
  return bytes;
}

/** Named as src/cache's temp files are, so a crashed process's leftovers are swept the same way. */
function tempPath(dir: string): string {
  return join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
}

async function writeTempFile(body: AsyncIterable<Uint8Array>, declared: number | undefined, options: FileDownloadOptions): Promise<DownloadedFile> {
  await mkdir(options.dir, { recursive: true });
  const path = tempPath(options.dir);
  const hash = createHash('sha256');
  const check = createStreamCheck(options.kind);
  let bytes = 0;
  // Opened before streaming, so that a body failing at once cannot leave a file created after the cleanup below.
  const file = await open(path, 'wx');
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          check.update(chunk);
          hash.update(chunk);
          bytes += chunk.byteLength;
          yield chunk;
        }
      },
      file.createWriteStream(),
    );
    if (declared !== undefined && declared !== bytes) throw new Error(`expected ${declared} bytes, got ${bytes}`);
    check.finish();
    return { path, sha256: hash.digest('hex'), bytes };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
}

/** What `downloadTaskResult` needs of the client. */
interface TaskFiles {
  downloadFile(url: string, options: FileDownloadOptions): Promise<DownloadedFile>;
  getTask<Task extends BaseTask>(resource: TaskResource<Task>, id: string, options?: CallOptions): Promise<Task>;
}

export interface ResultDownloadOptions extends CallOptions {
  /** The store's tmp dir. */
  dir: string;
  kind: FileKind;
}

/**
 * Downloads a task's result file (its GLB, or its first image) to a temp file. A signed link that
 * went stale (403/410: https://docs.meshy.ai/en/api/asset-retention), or a task object without its
 * link, is replaced by reading the task once more for a fresh one. When the fresh link is refused
 * too, the result is gone: MESHY_ASSET_EXPIRED, with the task's `expiresAt` in its context.
 */
export async function downloadTaskResult<Task extends BaseTask>(
  files: TaskFiles,
  resource: TaskResource<Task>,
  task: Task,
  options: ResultDownloadOptions,
): Promise<DownloadedFile> {
  const what = options.kind === 'glb' ? 'GLB' : 'image';
  const fileOptions = { dir: options.dir, kind: options.kind, label: `the ${what} of ${resource.name} task ${task.id}`, signal: options.signal };
  const url = resource.resultUrl(task);
  if (url) {
    try {
      return await files.downloadFile(url, fileOptions);
    } catch (error) {
      if (!isExpired(error)) throw error;
    }
  }
  const fresh = await files.getTask(resource, task.id, { signal: options.signal });
  const freshUrl = resource.resultUrl(fresh);
  if (!freshUrl && !url) throw new MeshyResponseError(`Meshy's ${resource.name} task ${task.id} succeeded without its ${what}`, { taskId: task.id });
  try {
    if (!freshUrl) throw new Error(`Meshy's task ${task.id} no longer lists its result`);
    return await files.downloadFile(freshUrl, fileOptions);
  } catch (error) {
    if (freshUrl && !isExpired(error)) throw error;
    throw new MeshyDownloadError(
      'MESHY_ASSET_EXPIRED',
      `Meshy no longer has the ${what} of ${resource.name} task ${task.id}: ${(error as Error).message}`,
      { taskId: task.id, expiresAt: fresh.expires_at },
      error,
    );
  }
}

function isExpired(error: unknown): boolean {
  return error instanceof MeshyDownloadError && error.code === 'MESHY_ASSET_EXPIRED';
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Math.round((bytes / 1024 ** 3) * 10) / 10} GiB`;
  if (bytes >= 1024 ** 2) return `${Math.round((bytes / 1024 ** 2) * 10) / 10} MiB`;
  return `${bytes} bytes`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
