import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadAsset, downloadTaskResult, downloadToFile } from '../../src/meshy/download.js';
import { MeshyDownloadError } from '../../src/meshy/errors.js';
import { textTo3d } from '../../src/meshy/resources.js';
import { taskSchemaOf } from '../../src/meshy/task-schemas.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';
import { type Handler, json, startFakeServer } from './fake-server.js';
import { TEST_KEY, testTransport } from './transport-context.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(handler: Handler) {
  const server = await startFakeServer(handler);
  const { transport, logs, close } = testTransport(server.url);
  cleanups.push(close, server.close);
  return { server, transport, logs };
}

describe('downloadAsset', () => {
  it('retries a server error, logging it, and sends no key', async () => {
    let calls = 0;
    const { transport, server, logs } = await setup((_req, res) => (++calls === 1 ? json(res, 503, {}) : res.end(Buffer.from('bytes'))));
    const bytes = await downloadAsset(transport, `${server.url}/m.glb?Signature=s`);
    expect(Buffer.from(bytes).toString()).toBe('bytes');
    expect(logs).toEqual([expect.stringMatching(/^download of http:\/\/127\.0\.0\.1:\d+\/m\.glb: HTTP 503; retrying in/)]);
    expect(server.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(JSON.stringify(server.requests)).not.toContain(TEST_KEY);
  });

  it('does not retry a missing file', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 404, {}));
    const error = await downloadAsset(transport, `${server.url}/m.glb`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyDownloadError);
    expect(error).toMatchObject({ code: 'MESHY_DOWNLOAD_FAILED' });
    expect((error as Error).message).toMatch(/: HTTP 404$/);
    expect(server.requests).toHaveLength(1);
  });

  it('says a link that is gone (410) has expired, without retrying', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 410, {}));
    await expect(downloadAsset(transport, `${server.url}/m.glb`)).rejects.toMatchObject({ code: 'MESHY_ASSET_EXPIRED' });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after the retry bound with the last failure as the cause', async () => {
    const { transport, server } = await setup((_req, res) => json(res, 500, {}));
    const error = await downloadAsset(transport, `${server.url}/m.glb`).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/Could not download .*: HTTP 500$/);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(4);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const { transport, server } = await setup(() => undefined); // never answers
    const controller = new AbortController();
    const reason = new Error('stop');
    setTimeout(() => controller.abort(reason), 20);
    await expect(downloadAsset(transport, `${server.url}/m.glb`, { signal: controller.signal })).rejects.toBe(reason);
  });
});

describe('downloadToFile (issue 10: bounded, streamed, hashed)', () => {
  const tempDir = useTempDirs();
  const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

  it('streams a checked file to a temp file in the given dir, with its sha256 and size', async () => {
    const glb = await tinyGlb();
    const dir = await tempDir();
    const { transport, server } = await setup((_req, res) => res.end(Buffer.from(glb)));
    const file = await downloadToFile(transport, `${server.url}/m.glb`, { dir, kind: 'glb' });
    expect(file).toEqual({ path: expect.stringMatching(new RegExp(`^${dir}/\\.${process.pid}-[0-9a-f]+\\.tmp$`)), sha256: sha(glb), bytes: glb.byteLength });
    expect(new Uint8Array(await readFile(file.path))).toEqual(glb);
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it('refuses a Content-Length over the bound at once, naming the file and the bound, without retrying or keeping anything', async () => {
    const dir = await tempDir();
    const { transport, server } = await setup((_req, res) => {
      res.writeHead(200, { 'content-length': 5000 });
      res.end(Buffer.alloc(5000));
    });
    const error = await downloadToFile(transport, `${server.url}/m.glb?Signature=secret`, {
      dir,
      kind: 'glb',
      maxBytes: 1024,
      label: 'the GLB of text-to-3d task t9',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyDownloadError);
    expect(error).toMatchObject({ code: 'MESHY_DOWNLOAD_TOO_LARGE', context: { maxBytes: 1024 } });
    expect((error as Error).message).toMatch(
      /^The GLB of text-to-3d task t9 \(http:\/\/[^)]+\/m\.glb\) is larger than .*maxDownloadBytes = 1024 bytes: it is 5000 bytes/,
    );
    expect((error as Error).message).not.toContain('secret');
    expect(server.requests).toHaveLength(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('counts a body without Content-Length against the bound as it streams', async () => {
    const dir = await tempDir();
    const glb = await tinyGlb();
    const { transport } = await setup((_req, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write(Buffer.from(glb.subarray(0, 100)));
      res.end(Buffer.alloc(4096));
    });
    const error = await downloadToFile(transport, `${transport.baseUrl}/m.glb`, { dir, kind: 'glb', maxBytes: 2048 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MESHY_DOWNLOAD_TOO_LARGE' });
    expect((error as Error).message).toMatch(/more than that arrived/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('retries a truncated or foreign body, removing each failed temp file', async () => {
    const dir = await tempDir();
    const glb = await tinyGlb();
    let calls = 0;
    const { transport, logs } = await setup((_req, res) => {
      calls++;
      if (calls === 1) return res.end(Buffer.from(glb.subarray(0, glb.byteLength - 8))); // no Content-Length: only the header can tell
      if (calls === 2) return res.end(Buffer.from('<html>not a model</html>'));
      res.end(Buffer.from(glb));
    });
    const file = await downloadToFile(transport, `${transport.baseUrl}/m.glb`, { dir, kind: 'glb' });
    expect(calls).toBe(3);
    expect(logs.join('\n')).toMatch(/header declares \d+ bytes but \d+ arrived[\s\S]*missing the "glTF" magic/);
    expect(await readdir(dir)).toEqual([file.path.slice(dir.length + 1)]);
  });

  it('gives up on a file that is never whole with the check as the reason, leaving no file', async () => {
    const dir = await tempDir();
    const { transport } = await setup((_req, res) => res.end(Buffer.from('<!DOCTYPE html><p>busy</p>')));
    await expect(downloadToFile(transport, `${transport.baseUrl}/a.png`, { dir, kind: 'image', label: 'the image of text-to-image task t2' })).rejects.toThrow(
      /^Could not download the image of text-to-image task t2 \(http:[^)]+\/a\.png\): Not a valid image file: neither PNG nor JPEG/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('bounds the in-memory download too', async () => {
    const { transport } = await setup((_req, res) => res.end(Buffer.alloc(3000)));
    await expect(downloadAsset(transport, `${transport.baseUrl}/m.glb`, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'MESHY_DOWNLOAD_TOO_LARGE' });
  });
});

describe('downloadTaskResult: one refresh of a stale link, for previews and results alike', () => {
  const tempDir = useTempDirs();
  const task = { id: 't1', status: 'SUCCEEDED', progress: 100, created_at: 1, finished_at: 2, expires_at: 3, model_urls: { glb: 'stale' } } as const;

  function files(answers: Record<string, 'ok' | 'expired'>, freshTask: Record<string, unknown>) {
    const asked: string[] = [];
    return {
      asked,
      client: {
        async downloadFile(url: string) {
          asked.push(url);
          if (answers[url] !== 'ok') throw new MeshyDownloadError('MESHY_ASSET_EXPIRED', `link ${url} expired`, { url });
          return { path: `/tmp/${url}`, sha256: 'x', bytes: 1 };
        },
        async getTask() {
          asked.push('GET');
          return { ...task, ...freshTask } as never;
        },
      },
    };
  }

  it('re-reads the task once for a fresh link when the first is refused as expired', async () => {
    const { client, asked } = files({ stale: 'expired', fresh: 'ok' }, { model_urls: { glb: 'fresh' } });
    await expect(downloadTaskResult(client, textTo3d, taskSchemaOf(textTo3d).parse(task), { dir: await tempDir(), kind: 'glb' })).resolves.toMatchObject({
      path: '/tmp/fresh',
    });
    expect(asked).toEqual(['stale', 'GET', 'fresh']);
  });

  it('reads the task when it came without its link, and says so when the read has none either', async () => {
    const bare = taskSchemaOf(textTo3d).parse({ ...task, model_urls: null });
    const found = files({ fresh: 'ok' }, { model_urls: { glb: 'fresh' } });
    await expect(downloadTaskResult(found.client, textTo3d, bare, { dir: await tempDir(), kind: 'glb' })).resolves.toMatchObject({ path: '/tmp/fresh' });
    expect(found.asked).toEqual(['GET', 'fresh']);
    const none = files({}, { model_urls: null });
    await expect(downloadTaskResult(none.client, textTo3d, bare, { dir: await tempDir(), kind: 'glb' })).rejects.toThrow(
      /text-to-3d task t1 succeeded without its GLB/,
    );
  });

  it('reports a result whose fresh link is refused too as expired, with the task and its expiry', async () => {
    const { client, asked } = files({}, { model_urls: { glb: 'also-stale' }, expires_at: 1234 });
    const error = await downloadTaskResult(client, textTo3d, taskSchemaOf(textTo3d).parse(task), { dir: await tempDir(), kind: 'glb' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'MESHY_ASSET_EXPIRED', context: { taskId: 't1', expiresAt: 1234 } });
    expect(asked).toEqual(['stale', 'GET', 'also-stale']);
  });
});
