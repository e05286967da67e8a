import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3 from '@aws-sdk/client-s3';
import type { RemoteConfig } from './config.js';
import { RemoteStoreError } from './errors.js';

/** Why a request failed, as far as the store's protocol tells. */
export type ObjectFailure = 'missing' | 'precondition' | 'conflict' | 'denied' | 'unreachable' | 'other';

/** A write that must not overwrite (`ifNoneMatch`), or must replace exactly the version read (`ifMatch`: its ETag). */
interface WriteCondition {
  ifNoneMatch?: true;
  ifMatch?: string;
}

/** Told at each quarter of a large transfer: how far it is (25, 50, 75, 100) and its size in bytes. */
export type TransferProgress = (percent: number, bytes: number) => void;

/** How files move: in parts above a size, retried where they broke, with progress above a size. */
export interface TransferSettings {
  /** Files at least this large go up as a multipart upload. */
  multipartThreshold: number;
  /** The size of each part but the last (S3 wants at least 5 MiB, except for the last part). */
  partSize: number;
  /** Parts in flight at once. */
  concurrency: number;
  /** Attempts of one part, or resumptions of one download, after the first try. */
  retries: number;
  /** Transfers at least this large report their progress. */
  progressThreshold: number;
}

const MiB = 1024 * 1024;
const DEFAULT_TRANSFERS: TransferSettings = { multipartThreshold: 64 * MiB, partSize: 16 * MiB, concurrency: 4, retries: 3, progressThreshold: 16 * MiB };

/** A downloaded object's bytes did not hash to the name (or record) they were asked for. */
export class CorruptObjectError extends RemoteStoreError {}

/** The bucket under its prefix, as a handful of operations on keys relative to the prefix. */
export interface ObjectStore {
  url: string;
  /** A small object (JSON) and its ETag; undefined when there is none. */
  read(key: string): Promise<{ text: string; etag: string } | undefined>;
  /** Its size, if the object exists. */
  stat(key: string): Promise<{ bytes: number } | undefined>;
  /**
   * Streams an object to a temp file in `tmpDir`, hashing as it goes: the path, once its size and
   * sha256 are those expected (a CorruptObjectError otherwise, and no file is left). Undefined when missing.
   */
  download(key: string, tmpDir: string, expected: { sha256: string; bytes: number }, progress?: TransferProgress): Promise<string | undefined>;
  /** Writes a small object; its new ETag. A condition not met is an error whose failure is `precondition` or `conflict`. */
  write(key: string, body: string, condition?: WriteCondition): Promise<string>;
  /** Uploads a file, streamed: in parts (each retried on its own) when large. */
  upload(key: string, path: string, bytes: number, progress?: TransferProgress): Promise<void>;
  remove(key: string): Promise<void>;
  /** Keys (relative to the prefix) under a folder of it. */
  list(folder: string): Promise<string[]>;
}

/** Classifies an SDK error by the S3 error it stands for (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). */
export function failureOf(error: unknown): ObjectFailure {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'missing';
  if (name === 'PreconditionFailed' || status === 412) return 'precondition';
  if (name === 'ConditionalRequestConflict' || status === 409) return 'conflict';
  if (name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || status === 403) return 'denied';
  if (status === undefined) return 'unreachable';
  return 'other';
}

type S3Module = typeof S3;
let sdk: Promise<S3Module> | undefined;

/** The AWS SDK, loaded the first time a remote store is used: an optional peer dependency. */
function loadSdk(): Promise<S3Module> {
  sdk ??= import('@aws-sdk/client-s3').catch((cause) => {
    sdk = undefined;
    throw new RemoteStoreError(
      'MESHY_REMOTE_SDK_MISSING',
      'A remote store is configured (remoteStore / MESHY_REMOTE_STORE), but its client, the package @aws-sdk/client-s3, is not installed. ' +
        'Install it next to vite-plugin-meshy (npm install --save-dev @aws-sdk/client-s3), or remove the remote store setting.',
      { cause },
    );
  });
  return sdk;
}

/**
 * An S3 client for the configured store. Endpoint, region and credentials come from the SDK's own
 * sources (AWS_* variables, profiles, instance roles) unless the option names them. Checksums are
 * sent only where S3 requires them: S3-compatible stores do not all accept the SDK's newer
 * defaults (aws-chunked bodies with trailing checksums); content is checked by sha256 instead.
 */
export async function openObjectStore(config: RemoteConfig, transfers: Partial<TransferSettings> = {}): Promise<ObjectStore> {
  const settings: TransferSettings = { ...DEFAULT_TRANSFERS, ...transfers };
  const s3 = await loadSdk();
  const client = new s3.S3Client({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
  });
  const Bucket = config.bucket;
  const full = (key: string) => `${config.prefix}${key}`;

  return {
    url: config.url,
    async read(key) {
      try {
        const response = await client.send(new s3.GetObjectCommand({ Bucket, Key: full(key) }));
        return { text: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '' };
      } catch (error) {
        if (failureOf(error) === 'missing') return undefined;
        throw error;
      }
    },
    async stat(key) {
      try {
        const response = await client.send(new s3.HeadObjectCommand({ Bucket, Key: full(key) }));
        return { bytes: response.ContentLength ?? 0 };
      } catch (error) {
        if (failureOf(error) === 'missing') return undefined;
        throw error;
      }
    },
    async download(key, tmpDir, expected, progress) {
      const get = (from: number) => client.send(new s3.GetObjectCommand({ Bucket, Key: full(key), ...(from > 0 ? { Range: `bytes=${from}-` } : {}) }));
      let response: S3.GetObjectCommandOutput;
      try {
        response = await get(0);
      } catch (error) {
        if (failureOf(error) === 'missing') return undefined;
        throw error;
      }
      await mkdir(tmpDir, { recursive: true });
      const path = join(tmpDir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      const report = quarters(expected.bytes, settings.progressThreshold, progress);
      try {
        let hash = createHash('sha256');
        let bytes = 0;
        let append = false;
        for (let attempt = 0; ; attempt++) {
          const measure = new Transform({
            transform(chunk: Buffer, _encoding, done) {
              // Never more than was recorded: a wrong object cannot fill the disk.
              if (bytes + chunk.byteLength > expected.bytes) return done(corrupt(config.url, key, `more than the ${expected.bytes} bytes recorded`));
              bytes += chunk.byteLength;
              hash.update(chunk);
              report(bytes);
              done(null, chunk);
            },
          });
          try {
            await pipeline(response.Body as NodeJS.ReadableStream, measure, createWriteStream(path, { flags: append ? 'a' : 'w' }));
            break;
          } catch (error) {
            if (error instanceof CorruptObjectError || attempt >= settings.retries) throw error;
          }
          // The connection dropped: go on from what reached the disk (hashed again from it), with a Range GET.
          ({ hash, bytes } = await hashOf(path));
          response = await get(bytes);
          const range = /^bytes (\d+)-/.exec(response.ContentRange ?? '');
          // A store that ignores Range sends the whole object again: start over.
          append = bytes > 0 && Number(range?.[1]) === bytes;
          if (!append) ({ hash, bytes } = { hash: createHash('sha256'), bytes: 0 });
        }
        const sha256 = hash.digest('hex');
        if (bytes !== expected.bytes) throw corrupt(config.url, key, `${bytes} of ${expected.bytes} bytes`);
        if (sha256 !== expected.sha256) throw corrupt(config.url, key, `its sha256 is ${sha256}, not ${expected.sha256}`);
        return path;
      } catch (error) {
        await rm(path, { force: true });
        throw error;
      }
    },
    async write(key, body, condition = {}) {
      const response = await client.send(
        new s3.PutObjectCommand({
          Bucket,
          Key: full(key),
          Body: body,
          ContentType: 'application/json',
          ...(condition.ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : {}),
        }),
      );
      return response.ETag ?? '';
    },
    async upload(key, path, bytes, progress) {
      const report = quarters(bytes, settings.progressThreshold, progress);
      if (bytes < settings.multipartThreshold) {
        await client.send(new s3.PutObjectCommand({ Bucket, Key: full(key), Body: createReadStream(path), ContentLength: bytes }));
        report(bytes);
        return;
      }
      // Parts go up a few at a time, each retried on its own: a dropped connection costs one part, not the file.
      const { UploadId } = await client.send(new s3.CreateMultipartUploadCommand({ Bucket, Key: full(key) }));
      const count = Math.ceil(bytes / settings.partSize);
      const parts: S3.CompletedPart[] = [];
      let next = 0;
      let sent = 0;
      const sendPart = async (index: number) => {
        const start = index * settings.partSize;
        const end = Math.min(start + settings.partSize, bytes);
        // In memory (a part at most, `concurrency` of them): a request the SDK retries sends it whole again.
        const Body = await readPart(path, start, end - start);
        const response = await client.send(
          new s3.UploadPartCommand({ Bucket, Key: full(key), UploadId, PartNumber: index + 1, Body, ContentLength: end - start }),
        );
        parts[index] = { ETag: response.ETag, PartNumber: index + 1 };
        sent += end - start;
        report(sent);
      };
      let failed = false;
      const worker = async () => {
        while (!failed && next < count) {
          const index = next++;
          await withRetries(settings.retries, () => sendPart(index)).catch((error) => {
            failed = true;
            throw error;
          });
        }
      };
      try {
        // Every worker stopped before the upload is completed or aborted: no part lands after an abort.
        const settled = await Promise.allSettled(Array.from({ length: Math.min(settings.concurrency, count) }, worker));
        const failure = settled.find((result) => result.status === 'rejected');
        if (failure) throw failure.reason;
        await client.send(new s3.CompleteMultipartUploadCommand({ Bucket, Key: full(key), UploadId, MultipartUpload: { Parts: parts } }));
      } catch (error) {
        // No orphaned parts left to pay storage for.
        await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key: full(key), UploadId })).catch(() => {});
        throw error;
      }
    },
    async remove(key) {
      await client.send(new s3.DeleteObjectCommand({ Bucket, Key: full(key) }));
    },
    async list(folder) {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new s3.ListObjectsV2Command({ Bucket, Prefix: full(folder), ...(ContinuationToken ? { ContinuationToken } : {}) }));
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key.slice(config.prefix.length));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys;
    },
  };
}

function corrupt(url: string, key: string, cause: string): CorruptObjectError {
  return new CorruptObjectError('MESHY_REMOTE_CORRUPT', `The object ${key} in the remote store ${url} is corrupted (${cause}); it was not used.`, {
    context: { url, key },
  });
}

/** A progress reporter that speaks at each quarter of a transfer at least `threshold` bytes large, once each. */
function quarters(total: number, threshold: number, progress: TransferProgress | undefined): (done: number) => void {
  if (!progress || total < threshold || total <= 0) return () => {};
  let told = 0;
  return (done) => {
    const quarter = Math.floor((done / total) * 4);
    if (quarter > told) {
      told = quarter;
      progress(quarter * 25, total);
    }
  };
}

/** Runs a job, again up to `retries` times when it fails for any reason but a refusal (missing, denied, precondition). */
async function withRetries<T>(retries: number, job: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await job();
    } catch (error) {
      const failure = failureOf(error);
      if (attempt >= retries || failure === 'missing' || failure === 'denied' || failure === 'precondition') throw error;
    }
  }
}

/** The sha256 state and size of what a partial download put on disk. */
async function hashOf(path: string): Promise<{ hash: ReturnType<typeof createHash>; bytes: number }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { hash, bytes: (await stat(path)).size };
}

async function readPart(path: string, start: number, length: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await file.read(buffer, 0, length, start);
    if (bytesRead !== length) throw new Error(`${path} is shorter than the ${start + length} bytes recorded`);
    return buffer;
  } finally {
    await file.close();
  }
}
