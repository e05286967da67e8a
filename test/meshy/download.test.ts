import { afterEach, describe, expect, it } from 'vitest';
import { downloadAsset } from '../../src/meshy/download.js';
import { MeshyDownloadError } from '../../src/meshy/errors.js';
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
