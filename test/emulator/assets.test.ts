import { describe, expect, it } from 'vitest';
import { validateGlb } from '../helpers/validate.js';
import { download, fakeClock, pngSize, T2T, useEmulator } from './helpers.js';

const DAY = 24 * 3600 * 1000;
const THREE_DAYS = 3 * DAY;

async function finishedTasks(options: { linkTtlMs?: number } = {}) {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0, ...options });
  const previewId = await api.create({ mode: 'preview', prompt: 'a copper kettle', target_formats: ['glb', 'stl'] });
  clock.advance(100);
  const refineId = await api.create({ mode: 'refine', preview_task_id: previewId, enable_pbr: true });
  clock.advance(100);
  return { api, clock, preview: await api.get(previewId), refine: await api.get(refineId) };
}

describe('result files (signed URLs)', () => {
  it('downloads the GLB without Authorization, with its length; HEAD gives the same headers', async () => {
    const { api, preview } = await finishedTasks();
    const before = api.emulator.stats();
    const glb = await download(preview.model_urls.glb);
    expect(glb.status).toBe(200);
    expect(glb.headers.get('content-type')).toBe('model/gltf-binary');
    expect(Number(glb.headers.get('content-length'))).toBe(glb.bytes.byteLength);
    expect(Buffer.from(glb.bytes.subarray(0, 4)).toString()).toBe('glTF');
    expect((await validateGlb(glb.bytes)).errors).toBe(0);

    const head = await fetch(preview.model_urls.glb, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(glb.bytes.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const again = await download(preview.model_urls.glb);
    expect(Buffer.from(again.bytes).equals(Buffer.from(glb.bytes))).toBe(true);
    const stats = api.emulator.stats();
    expect(stats.downloads - before.downloads).toBe(2); // HEAD is not a download
    expect(stats.requests - before.requests).toBe(3);
  });

  it('serves a PNG thumbnail, the texture maps and placeholder bytes for other formats', async () => {
    const { preview, refine } = await finishedTasks();
    const thumbnail = await download(preview.thumbnail_url);
    expect(thumbnail.headers.get('content-type')).toBe('image/png');
    expect(pngSize(thumbnail.bytes)).toEqual({ width: 128, height: 128 });
    for (const url of Object.values(refine.texture_urls[0]) as string[]) {
      const texture = await download(url);
      expect(texture.status).toBe(200);
      expect(pngSize(texture.bytes)).toEqual({ width: 256, height: 256 });
    }
    const stl = await download(preview.model_urls.stl);
    expect(stl.status).toBe(200);
    expect(stl.bytes.byteLength).toBeGreaterThan(0);
    expect((await validateGlb((await download(refine.model_urls.glb)).bytes)).errors).toBe(0);
  });

  it('answers 403 to a tampered, re-targeted or unsigned URL', async () => {
    const { preview } = await finishedTasks();
    const url = new URL(preview.model_urls.glb);
    const tampered = new URL(url);
    tampered.searchParams.set('Signature', `${url.searchParams.get('Signature')!.slice(0, -2)}xx`);
    const longer = new URL(url);
    longer.searchParams.set('Expires', String(Number(url.searchParams.get('Expires')) + 3600));
    const unsigned = `${url.origin}${url.pathname}`;
    const otherFile = url.href.replace('model.glb', 'model.fbx');
    for (const bad of [tampered.href, longer.href, unsigned, otherFile]) {
      expect((await download(bad)).status, bad).toBe(403);
    }
    // The signature covers the path: it does not open another task's files either.
    expect((await download(preview.model_urls.glb.replace(/\/assets\/[^/]+\//, '/assets/nope/'))).status).toBe(403);
    expect((await download(`${url.origin}/assets/x`)).status).toBe(404);
  });

  it('signs short-lived links (24 h) while the task lives 3 days: a stale link is 403, the task read again has a fresh one', async () => {
    const { api, clock, preview } = await finishedTasks();
    expect(preview.expires_at).toBe(preview.finished_at + THREE_DAYS);
    expect(Number(new URL(preview.model_urls.glb).searchParams.get('Expires'))).toBe(Math.ceil((preview.finished_at + DAY) / 1000));
    // Every read within one window gets the same link.
    expect((await api.get(preview.id)).model_urls.glb).toBe(preview.model_urls.glb);
    clock.advance(DAY - 1000);
    expect((await download(preview.model_urls.glb)).status).toBe(200);
    clock.advance(2000);
    expect((await download(preview.model_urls.glb)).status).toBe(403);
    const again = await api.get(preview.id);
    expect(again.model_urls.glb).not.toBe(preview.model_urls.glb);
    expect((await download(again.model_urls.glb)).status).toBe(200);
    // Near the end of retention, a link lasts only as long as the task.
    clock.advance(THREE_DAYS - DAY - 2000);
    const late = await api.get(preview.id);
    expect(Number(new URL(late.model_urls.glb).searchParams.get('Expires'))).toBe(Math.floor(preview.expires_at / 1000));
  });

  it("expires with the task's retention (403) and disappears with the task (404)", async () => {
    const { api, clock, preview, refine } = await finishedTasks({ linkTtlMs: 4 * DAY });
    expect(Number(new URL(preview.model_urls.glb).searchParams.get('Expires'))).toBe(Math.floor(preview.expires_at / 1000));
    expect((await api.call('DELETE', `${T2T}/${preview.id}`)).status).toBe(200);
    expect((await download(preview.model_urls.glb)).status).toBe(404);
    expect((await download(refine.model_urls.glb)).status).toBe(200);
    clock.advance(THREE_DAYS);
    const stale = await download(refine.model_urls.glb);
    expect(stale.status).toBe(403);
    expect(new TextDecoder().decode(stale.bytes)).toMatch(/expired/);
  });
});
