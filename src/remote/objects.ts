import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
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
  download(key: string, tmpDir: string, expected: { sha256: string; bytes: number }): Promise<string | undefined>;
  /** Writes a small object; its new ETag. A condition not met is an error whose failure is `precondition` or `conflict`. */
  write(key: string, body: string, condition?: WriteCondition): Promise<string>;
  /** Uploads a file, streamed. */
  upload(key: string, path: string, bytes: number): Promise<void>;
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
export async function openObjectStore(config: RemoteConfig): Promise<ObjectStore> {
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
    async download(key, tmpDir, expected) {
      let response: S3.GetObjectCommandOutput;
      try {
        response = await client.send(new s3.GetObjectCommand({ Bucket, Key: full(key) }));
      } catch (error) {
        if (failureOf(error) === 'missing') return undefined;
        throw error;
      }
      await mkdir(tmpDir, { recursive: true });
      const path = join(tmpDir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      const hash = createHash('sha256');
      let bytes = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          bytes += chunk.byteLength;
          // Never more than was recorded: a wrong object cannot fill the disk.
          if (bytes > expected.bytes) return done(corrupt(config.url, key, `more than the ${expected.bytes} bytes recorded`));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await pipeline(response.Body as NodeJS.ReadableStream, measure, createWriteStream(path));
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
    async upload(key, path, bytes) {
      await client.send(new s3.PutObjectCommand({ Bucket, Key: full(key), Body: createReadStream(path), ContentLength: bytes }));
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
