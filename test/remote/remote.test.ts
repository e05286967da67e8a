import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStoreGitignore, type JournalStage, storeLayout } from '../../src/cache/index.js';
import { sha256 } from '../../src/hash.js';
import { backoffMs, ClaimLostError, claimKey } from '../../src/remote/claims.js';
import { resolveRemoteConfig } from '../../src/remote/config.js';
import { openRemoteStore } from '../../src/remote/index.js';
import { remoteKeys } from '../../src/remote/models.js';
import { CorruptObjectError, failureOf, type ObjectStore, openObjectStore } from '../../src/remote/objects.js';
import { probeStore } from '../../src/remote/probe.js';
import { BUCKET, type ConditionalProxy, READ_ONLY_CREDENTIALS, type S3Server, startConditionalProxy, startS3rver } from '../helpers/s3.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
let s3: S3Server;
let proxy: ConditionalProxy;
let s3Dir: string;

beforeAll(async () => {
  s3Dir = await import('node:fs/promises').then(({ mkdtemp }) => mkdtemp(join(process.env.TMPDIR ?? '/tmp', 'meshy-s3-')));
  s3 = await startS3rver(s3Dir);
  proxy = await startConditionalProxy(s3.endpoint);
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
});
afterAll(async () => {
  await proxy?.close();
  await s3?.close();
  await import('node:fs/promises').then(({ rm }) => rm(s3Dir, { recursive: true, force: true }));
});

function store(endpoint: string, prefix = 'unit'): Promise<ObjectStore> {
  return openObjectStore(resolveRemoteConfig({ url: `s3://${BUCKET}/${prefix}`, endpoint }, {}));
}

describe('remoteStore configuration', () => {
  it('reads bucket and prefix, endpoint and region from the AWS variables, path-style for IPs and localhost', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9000', AWS_REGION: 'eu-west-3' };
    expect(resolveRemoteConfig('s3://team-models/game/one/', env)).toMatchObject({
      bucket: 'team-models',
      prefix: 'game/one/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      forcePathStyle: true,
      required: false,
      leaseMs: 60_000,
    });
    expect(resolveRemoteConfig('s3://b1b', { AWS_ENDPOINT_URL_S3: 'http://localhost:9000', AWS_ENDPOINT_URL: 'https://x.example' })).toMatchObject({
      prefix: '',
      endpoint: 'http://localhost:9000',
      forcePathStyle: true,
      region: 'us-east-1',
    });
    const r2 = resolveRemoteConfig({ url: 's3://assets/m', endpoint: 'https://acct.r2.cloudflarestorage.com', required: true }, {});
    expect(r2).toMatchObject({ forcePathStyle: false, required: true });
    expect(resolveRemoteConfig({ url: 's3://assets', endpoint: 'https://minio.example', pathStyle: true }, {}).forcePathStyle).toBe(true);
    expect(resolveRemoteConfig('s3://assets', {})).toMatchObject({ endpoint: undefined, region: undefined, forcePathStyle: false });
    expect(() => resolveRemoteConfig('https://bucket/x', {})).toThrow(/s3:\/\/bucket/);
  });

  it('waits with a bounded backoff', () => {
    expect(backoffMs(0, 60_000)).toBe(200);
    expect(backoffMs(3, 60_000)).toBeCloseTo(675);
    expect(backoffMs(50, 60_000)).toBe(5000);
    expect(backoffMs(50, 900)).toBe(300);
  });
});

describe('a project without a remote store', () => {
  it('loads nothing of src/remote or the AWS SDK: outside src/remote, only type imports and one dynamic import() name them', async () => {
    const src = join(import.meta.dirname, '../../src');
    const files = (await readdir(src, { recursive: true })).filter((name) => name.endsWith('.ts') && !name.startsWith('remote'));
    const loads: string[] = [];
    for (const name of files) {
      const text = await readFile(join(src, name), 'utf8');
      for (const line of text.split('\n')) {
        if (/from '(\.\.?\/)+remote\/|@aws-sdk/.test(line) && !/^import type /.test(line)) loads.push(`${name}: ${line.trim()}`);
        if (/import\('(\.\.?\/)+remote\//.test(line)) loads.push(`${name}: dynamic`);
      }
    }
    expect(loads).toEqual(['project/index.ts: dynamic']);
    // …and that import() runs only when an option or MESHY_REMOTE_STORE names a store.
    expect(await readFile(join(src, 'project/index.ts'), 'utf8')).toMatch(/if \(option === undefined\) return undefined;/);
  });
});

describe("the store's .gitignore with a remote store", () => {
  it('keeps the models themselves out of git (they are in the bucket), not the manifest or the sidecars; switches back and forth', async () => {
    const layout = storeLayout(join(await tempDir(), '.meshy'));
    await ensureStoreGitignore(layout, { remote: true });
    const ignored = (await readFile(join(layout.dir, '.gitignore'), 'utf8')).split('\n').filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(['optimized/', 'journal/', 'locks/', 'tmp/', 'raw/*.glb', 'raw/*.png', 'raw/*.jpg']);
    await ensureStoreGitignore(layout);
    expect(await readFile(join(layout.dir, '.gitignore'), 'utf8')).not.toContain('raw/');
    await ensureStoreGitignore(layout, { remote: true });
    expect(await readFile(join(layout.dir, '.gitignore'), 'utf8')).toContain('raw/*.glb');
    await writeFile(join(layout.dir, '.gitignore'), 'mine/\n');
    await ensureStoreGitignore(layout, { remote: true });
    expect(await readFile(join(layout.dir, '.gitignore'), 'utf8')).toBe('mine/\n');
  });
});

describe('the probe of conditional writes', () => {
  it('finds that plain s3rver ignores If-None-Match (claims off)', async () => {
    expect(await probeStore(await store(s3.endpoint))).toEqual({ reachable: true, writable: true, conditionalWrites: false });
  });

  it('finds that the conditional proxy (the stand-in for AWS S3 semantics) honours it', async () => {
    expect(await probeStore(await store(proxy.endpoint))).toEqual({ reachable: true, writable: true, conditionalWrites: true });
  });

  it('tells read-only credentials and an unreachable store apart', async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = READ_ONLY_CREDENTIALS.AWS_ACCESS_KEY_ID;
    try {
      expect(await probeStore(await store(proxy.endpoint))).toMatchObject({ reachable: true, writable: false });
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
    const down = await probeStore(await store('http://127.0.0.1:9'));
    expect(down).toMatchObject({ reachable: false, problem: expect.stringMatching(/ECONNREFUSED/) });
  });
});

describe('objects', () => {
  it('downloads a file only when its size and sha256 are the ones recorded', async () => {
    const objects = await store(s3.endpoint, 'objects');
    const dir = await tempDir();
    const bytes = new TextEncoder().encode('glTF pretend model bytes');
    await writeFile(join(dir, 'model.glb'), bytes);
    await objects.upload('raw/x.glb', join(dir, 'model.glb'), bytes.byteLength);
    const path = await objects.download('raw/x.glb', join(dir, 'tmp'), { sha256: sha256(bytes), bytes: bytes.byteLength });
    expect(path).toBeDefined();
    await expect(objects.download('raw/x.glb', join(dir, 'tmp'), { sha256: sha256('other'), bytes: bytes.byteLength })).rejects.toThrow(CorruptObjectError);
    await expect(objects.download('raw/x.glb', join(dir, 'tmp'), { sha256: sha256(bytes), bytes: 5 })).rejects.toThrow(/corrupted/);
    // Nothing half-written is left behind.
    expect((await readdir(join(dir, 'tmp'))).length).toBe(1);
    expect(await objects.download('raw/none.glb', join(dir, 'tmp'), { sha256: sha256(bytes), bytes: 1 })).toBeUndefined();
  });

  it('classifies S3 errors', async () => {
    const objects = await store(proxy.endpoint, 'classify');
    await objects.write('a.json', '{}');
    const error = await objects.write('a.json', '{}', { ifNoneMatch: true }).catch((e: unknown) => e);
    expect(failureOf(error)).toBe('precondition');
    const stale = await objects.write('a.json', '{}', { ifMatch: '"0123"' }).catch((e: unknown) => e);
    expect(failureOf(stale)).toBe('precondition');
    const etag = (await objects.read('a.json'))!.etag;
    await expect(objects.write('a.json', '{"b":1}', { ifMatch: etag })).resolves.toBeTruthy();
    expect(failureOf({ name: 'ConditionalRequestConflict', $metadata: { httpStatusCode: 409 } })).toBe('conflict');
    expect(failureOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('unreachable');
  });
});

describe('claims (against the conditional proxy)', () => {
  const stage = (taskId: string): JournalStage => ({ stage: 'preview', state: 'created', taskId, intentAt: 1, request: {}, updatedAt: 1 });
  const quiet = { log: () => {}, warn: () => {}, retryFailed: false };

  it('one machine holds a key; another waits for it, then finds the result', async () => {
    const objects = await store(proxy.endpoint, 'claims-wait');
    const a = await claimKey(objects, 'k1', { ...quiet, holder: 'A', label: 'a crate', leaseMs: 5000, stages: [] });
    expect(a.type).toBe('held');
    const lines: string[] = [];
    const waiting = claimKey(objects, 'k1', { ...quiet, log: (line) => lines.push(line), holder: 'B', label: 'a crate', leaseMs: 5000, stages: [] });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(lines).toEqual(['"a crate": waiting for A, which is generating it (remote store s3://meshy-team/claims-wait)']);
    if (a.type !== 'held') throw new Error('not held');
    await a.claim.record([stage('task-1')]);
    await objects.write(remoteKeys.entry('k1'), '{}');
    await a.claim.finish();
    expect(await waiting).toEqual({ type: 'done' });
    expect(await objects.read(remoteKeys.claim('k1'))).toBeUndefined();
  });

  it('an expired lease is taken over with its task ids; the old holder learns it lost the claim', async () => {
    const objects = await store(proxy.endpoint, 'claims-expire');
    const warnings: string[] = [];
    const a = await claimKey(objects, 'k2', { ...quiet, warn: (line) => warnings.push(line), holder: 'A', label: 'a lamp', leaseMs: 600, stages: [] });
    if (a.type !== 'held') throw new Error('not held');
    await a.claim.record([stage('task-of-a')]);
    // A stops renewing (as if SIGKILLed): its lease ends.
    await a.claim.release([stage('task-of-a')]);
    const b = await claimKey(objects, 'k2', { ...quiet, holder: 'B', label: 'a lamp', leaseMs: 600, stages: [] });
    expect(b).toMatchObject({ type: 'held', stages: [{ taskId: 'task-of-a' }] });
    const claim = JSON.parse((await objects.read(remoteKeys.claim('k2')))!.text);
    expect(claim).toMatchObject({ holder: 'B', stages: [{ taskId: 'task-of-a' }] });
    // A, back from its stall, must not send what it was about to: its next record is refused.
    await expect(a.claim.record([stage('task-of-a'), { ...stage('refine-of-a'), stage: 'refine', state: 'creating' }])).rejects.toThrow(ClaimLostError);
    if (b.type === 'held') await b.claim.finish();
  });

  it('a FAILED result is shared: the next machine is told, not handed the key', async () => {
    const objects = await store(proxy.endpoint, 'claims-failed');
    const a = await claimKey(objects, 'k3', { ...quiet, holder: 'A', label: 'a cup', leaseMs: 5000, stages: [] });
    if (a.type !== 'held') throw new Error('not held');
    await a.claim.release([{ ...stage('t-failed'), state: 'failed', error: { message: 'bad prompt' } }]);
    const b = await claimKey(objects, 'k3', { ...quiet, holder: 'B', label: 'a cup', leaseMs: 5000, stages: [] });
    expect(b).toMatchObject({ type: 'failed', stages: [{ state: 'failed', taskId: 't-failed' }] });
    const retry = await claimKey(objects, 'k3', { ...quiet, retryFailed: true, holder: 'B', label: 'a cup', leaseMs: 5000, stages: [] });
    expect(retry).toMatchObject({ type: 'held', stages: [] });
    if (retry.type === 'held') await retry.claim.finish();
  });

  it('a claim made just after the holder finished finds its entry instead of holding the key', async () => {
    const objects = await store(proxy.endpoint, 'claims-race-finish');
    await objects.write(remoteKeys.entry('k5'), '{}');
    // The first look at the entry happened before the holder wrote it (and removed its claim).
    let looks = 0;
    const late: ObjectStore = { ...objects, stat: (key) => (key.startsWith('entries/') && looks++ === 0 ? Promise.resolve(undefined) : objects.stat(key)) };
    expect(await claimKey(late, 'k5', { ...quiet, holder: 'B', label: 'a key', leaseMs: 5000, stages: [] })).toEqual({ type: 'done' });
    expect(await objects.read(remoteKeys.claim('k5'))).toBeUndefined();
  });

  it('concurrent claims: exactly one wins', async () => {
    const objects = await store(proxy.endpoint, 'claims-race');
    const outcomes = await Promise.all(
      ['A', 'B', 'C', 'D'].map((holder) =>
        Promise.race([
          claimKey(objects, 'k4', { ...quiet, holder, label: 'a key', leaseMs: 60_000, stages: [] }),
          new Promise((resolve) => setTimeout(() => resolve({ type: 'waiting' }), 1500)),
        ]),
      ),
    );
    expect(outcomes.filter((outcome) => (outcome as { type: string }).type === 'held')).toHaveLength(1);
    expect(outcomes.filter((outcome) => (outcome as { type: string }).type === 'waiting')).toHaveLength(3);
  });
});

describe('large transfers: multipart uploads, resumed downloads, progress (s3rver, through the proxy where a connection must drop)', () => {
  /** Tiny parts and thresholds, so a few KiB stand for hundreds of MiB. */
  const SMALL = { multipartThreshold: 4096, partSize: 2048, concurrency: 3, retries: 2, progressThreshold: 4096 };
  const open = (endpoint: string, prefix: string) => openObjectStore(resolveRemoteConfig({ url: `s3://${BUCKET}/${prefix}`, endpoint }, {}), SMALL);
  async function file(bytes: number): Promise<{ path: string; dir: string; expected: { sha256: string; bytes: number } }> {
    const dir = await tempDir();
    const body = randomBytes(bytes);
    await writeFile(join(dir, 'model.glb'), body);
    return { path: join(dir, 'model.glb'), dir, expected: { sha256: sha256(body), bytes } };
  }
  const ofKey = (key: string) => proxy.requests.filter((r) => r.url.includes(key));

  it('uploads a large file in parts, a few at a time, with one progress line per quarter; a small one in one PUT', async () => {
    const objects = await open(proxy.endpoint, 'large-up');
    const big = await file(11_000);
    const told: number[] = [];
    await objects.upload('raw/big.glb', big.path, big.expected.bytes, (percent, bytes) => told.push(percent, bytes));
    const requests = ofKey('large-up/raw/big.glb');
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('uploads'))).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='))).toHaveLength(6);
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toHaveLength(1);
    expect(told).toEqual([25, 11_000, 50, 11_000, 75, 11_000, 100, 11_000]);
    // What went up in parts comes down whole and right.
    expect(await objects.download('raw/big.glb', join(big.dir, 'tmp'), big.expected)).toBeDefined();

    const small = await file(3000);
    const quiet: number[] = [];
    await objects.upload('raw/small.glb', small.path, small.expected.bytes, (percent) => quiet.push(percent));
    expect(ofKey('large-up/raw/small.glb').map((r) => r.method)).toEqual(['PUT']);
    // Below the progress threshold: no lines.
    expect(quiet).toEqual([]);
  });

  it('a part whose connection drops is sent again alone; the upload is not started over', async () => {
    const objects = await open(proxy.endpoint, 'large-retry');
    const big = await file(9000);
    proxy.cut({ method: 'PUT', path: 'large-retry/raw/big.glb?partNumber=3', afterBytes: 500, times: 1 });
    await objects.upload('raw/big.glb', big.path, big.expected.bytes);
    const parts = ofKey('large-retry/raw/big.glb').filter((r) => r.method === 'PUT');
    expect(parts.filter((r) => r.url.includes('partNumber=3&'))).toHaveLength(2);
    expect(parts).toHaveLength(6);
    expect(ofKey('large-retry/raw/big.glb').filter((r) => r.url.includes('uploads'))).toHaveLength(1);
    expect(await objects.download('raw/big.glb', join(big.dir, 'tmp'), big.expected)).toBeDefined();
  });

  it('a part that keeps failing fails the upload, which is aborted (no object, no parts left to pay for)', async () => {
    const objects = await open(proxy.endpoint, 'large-abort');
    const big = await file(9000);
    proxy.cut({ method: 'PUT', path: 'large-abort/raw/big.glb?partNumber=2', afterBytes: 500, times: 50 });
    await expect(objects.upload('raw/big.glb', big.path, big.expected.bytes)).rejects.toThrow();
    const requests = ofKey('large-abort/raw/big.glb');
    // Bounded: the SDK's own attempts (3) for each of ours (1 + retries).
    expect(requests.filter((r) => r.url.includes('partNumber=2&')).length).toBeLessThanOrEqual(3 * (SMALL.retries + 1));
    // s3rver does not implement AbortMultipartUpload (405): the request is sent all the same, and its failure ignored.
    expect(requests.filter((r) => r.method === 'DELETE' && r.url.includes('uploadId='))).toHaveLength(1);
    expect(requests.filter((r) => r.method === 'POST' && r.url.includes('uploadId='))).toHaveLength(0);
    // No part is sent after the abort.
    const abortAt = requests.findIndex((r) => r.method === 'DELETE');
    expect(requests.slice(abortAt + 1)).toEqual([]);
    expect(await objects.stat('raw/big.glb')).toBeUndefined();
  });

  it('a download whose connection drops goes on with a Range GET from what reached the disk, and is checked whole', async () => {
    const big = await file(10_000);
    await (await open(s3.endpoint, 'large-down')).upload('raw/big.glb', big.path, big.expected.bytes);
    const objects = await open(proxy.endpoint, 'large-down');
    proxy.cut({ method: 'GET', path: 'large-down/raw/big.glb', afterBytes: 3000, times: 2 });
    const told: number[] = [];
    const path = await objects.download('raw/big.glb', join(big.dir, 'tmp'), big.expected, (percent) => told.push(percent));
    expect(sha256(await readFile(path!))).toBe(big.expected.sha256);
    const gets = ofKey('large-down/raw/big.glb').filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual([undefined, 'bytes=3000-', 'bytes=6000-']);
    // At most one line per quarter reached (a quarter crossed within one chunk is skipped), none repeated though the transfer was taken up twice.
    expect(told.at(-1)).toBe(100);
    expect(told.every((percent, i) => percent % 25 === 0 && (i === 0 || percent > told[i - 1]!))).toBe(true);
  });

  it("reports a large model's byte progress through the project's logger, a line per quarter, both ways", async () => {
    const info: string[] = [];
    const log = { info: (line: string) => info.push(line), warn: () => {} };
    const remote = (await openRemoteStore({ url: `s3://${BUCKET}/logged`, endpoint: s3.endpoint }, { env: {}, log, transfers: SMALL }))!;
    const big = await file(12_000);
    const layoutA = storeLayout(join(big.dir, '.meshy'));
    await mkdir(layoutA.raw, { recursive: true });
    await rename(big.path, join(layoutA.raw, `${big.expected.sha256}.glb`));
    const entry = {
      kind: 'prompt',
      label: 'a logged crate',
      namespace: 'test',
      model: 'meshy-5',
      request: {},
      tasks: [],
      credits: 20,
      files: { glb: big.expected },
      createdAt: new Date(0).toISOString(),
    };
    await remote.pushModel(layoutA, 'logged-key', entry);
    const up = info.filter((line) => line.includes('uploading'));
    expect(up.at(-1)).toBe(`"a logged crate": uploading to s3://${BUCKET}/logged: 100% of 11.7 KiB`);
    expect(up.length).toBeLessThanOrEqual(4);

    info.length = 0;
    const layoutB = storeLayout(join(await tempDir(), '.meshy'));
    expect(await remote.pullModel(layoutB, 'logged-key', 'a logged crate')).toMatchObject({ files: { glb: big.expected } });
    const down = info.filter((line) => line.includes('downloading'));
    expect(down.at(-1)).toBe(`"a logged crate": downloading from s3://${BUCKET}/logged: 100% of 11.7 KiB`);
    expect(down.length).toBeLessThanOrEqual(4);
    expect(down.every((line) => /: (25|50|75|100)% of /.test(line))).toBe(true);
  });

  it('a download dropped before its first byte starts again from the beginning', async () => {
    const big = await file(5000);
    await (await open(s3.endpoint, 'large-none')).upload('raw/big.glb', big.path, big.expected.bytes);
    const objects = await open(proxy.endpoint, 'large-none');
    proxy.cut({ method: 'GET', path: 'large-none/raw/big.glb', afterBytes: 0, times: 1 });
    const path = await objects.download('raw/big.glb', join(big.dir, 'tmp'), big.expected);
    expect(sha256(await readFile(path!))).toBe(big.expected.sha256);
    expect(ofKey('large-none/raw/big.glb').map((r) => r.range)).toEqual([undefined, undefined]);
  });

  it('a download that keeps dropping fails after its retries and leaves nothing behind', async () => {
    const big = await file(10_000);
    await (await open(s3.endpoint, 'large-fail')).upload('raw/big.glb', big.path, big.expected.bytes);
    const objects = await open(proxy.endpoint, 'large-fail');
    proxy.cut({ method: 'GET', path: 'large-fail/raw/big.glb', afterBytes: 1000, times: 5 });
    await expect(objects.download('raw/big.glb', join(big.dir, 'tmp'), big.expected)).rejects.toThrow();
    expect(ofKey('large-fail/raw/big.glb').filter((r) => r.method === 'GET')).toHaveLength(SMALL.retries + 1);
    expect(await readdir(join(big.dir, 'tmp'))).toEqual([]);
  });
});
