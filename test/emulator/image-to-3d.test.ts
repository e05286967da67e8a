import { describe, expect, it } from 'vitest';
import { validateGlb } from '../helpers/validate.js';
import { download, fakeClock, PNG_DATA_URI, pngSize, useEmulator } from './helpers.js';

const I23 = '/openapi/v1/image-to-3d';
const TTI = '/openapi/v1/text-to-image';

async function emulator() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 10 });
  return { api, clock, finish: () => clock.advance(110) };
}

describe('image to 3D (https://docs.meshy.ai/en/api/image-to-3d)', () => {
  it('turns a data URI image into a textured, validating model with every documented field', async () => {
    const { api, finish } = await emulator();
    const id = await api.createAt(I23, {
      image_url: PNG_DATA_URI,
      enable_pbr: true,
      ai_model: 'meshy-6',
      multi_view_thumbnails: true,
      should_remesh: true,
      save_pre_remeshed_model: true,
      target_formats: ['glb', 'fbx'],
    });
    const pending = await api.getAt(I23, id);
    expect(pending).toMatchObject({
      type: 'image-to-3d',
      status: 'PENDING',
      model_urls: {},
      texture_urls: [],
      thumbnail_url: '',
      consumed_credits: 30,
      texture_prompt: '',
      texture_image_url: '',
    });
    expect(pending).not.toHaveProperty('thumbnail_urls');
    finish();
    const task = await api.getAt(I23, id);
    expect(Object.keys(task)).toEqual([
      'id',
      'type',
      'model_urls',
      'thumbnail_url',
      'thumbnail_urls',
      'texture_urls',
      'texture_prompt',
      'texture_image_url',
      'progress',
      'status',
      'created_at',
      'started_at',
      'finished_at',
      'expires_at',
      'preceding_tasks',
      'task_error',
      'consumed_credits',
    ]);
    expect(Object.keys(task.model_urls)).toEqual(['glb', 'fbx', 'pre_remeshed_glb']);
    expect(Object.keys(task.thumbnail_urls)).toEqual(['front', 'right', 'back', 'left']);
    expect(Object.keys(task.texture_urls[0])).toEqual(['base_color', 'metallic', 'normal', 'roughness', 'emission']);
    const glb = await download(task.model_urls.glb);
    expect((await validateGlb(glb.bytes)).errors).toBe(0);
    expect((await download(task.model_urls.pre_remeshed_glb)).status).toBe(200);
    const views = await Promise.all(Object.values(task.thumbnail_urls).map((url) => download(url as string)));
    expect(pngSize(views[0]!.bytes)).toEqual({ width: 128, height: 128 });
    expect(Buffer.from(views[0]!.bytes).equals(Buffer.from(views[1]!.bytes))).toBe(false);
  });

  it('prices mesh-only, textured, 8k, cheap models and Ultra (https://docs.meshy.ai/en/api/pricing)', async () => {
    const { api } = await emulator();
    const price = async (body: Record<string, unknown>) =>
      (await api.getAt(I23, await api.createAt(I23, { image_url: 'https://example.com/chair.png', ...body }))).consumed_credits;
    expect(await price({ should_texture: false })).toBe(20);
    expect(await price({})).toBe(30);
    expect(await price({ texture_resolution: '8k' })).toBe(35);
    expect(await price({ ai_model: 'meshy-5' })).toBe(15);
    expect(await price({ ai_model: 'meshy-6-lite', should_texture: false })).toBe(5);
    expect(await price({ model_type: 'smart-topology', texture_resolution: '8k' })).toBe(20);
    expect(await price({ geometry_resolution: '4k' })).toBe(35);
  });

  it('chains from a SUCCEEDED one-image text-to-image task (input_task_id wins over image_url)', async () => {
    const { api, clock, finish } = await emulator();
    const image = await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'a brass robot' });
    const multi = await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'a brass robot', generate_multi_view: true });
    const early = await api.call('POST', I23, { input_task_id: image });
    expect([early.status, early.body.message]).toEqual([400, expect.stringMatching(/is PENDING; only a SUCCEEDED task/)]);
    finish();
    const id = await api.createAt(I23, { input_task_id: image, image_url: 'not even a url', should_texture: false });
    clock.advance(110);
    expect(await api.getAt(I23, id)).toMatchObject({ status: 'SUCCEEDED', texture_urls: [] });
    const three = await api.call('POST', I23, { input_task_id: multi });
    expect(three.body.message).toMatch(/exactly one image; .* made 3/);
    const preview = await api.create({ mode: 'preview', prompt: 'x' });
    expect((await api.call('POST', I23, { input_task_id: preview })).body.message).toMatch(/must name a text-to-image, image-to-image task/);
  });

  it('refuses bad image sources and texture options with 400', async () => {
    const { api } = await emulator();
    for (const [body, message] of [
      [{}, /^image_url or input_task_id is required$/],
      [{ image_url: 'https://example.com/a.gif' }, /image_url must be a \.jpg, \.jpeg or \.png image \(got \.gif\)/],
      [{ image_url: 'data:image/webp;base64,UklGRg==' }, /image_url must be an http\(s\) URL or a data:image/],
      [{ image_url: 'data:image/jpeg;base64,iVBORw0KGgo=' }, /image_url data URI is not a valid JPEG image/],
      [{ image_url: 'data:image/png;base64,***' }, /not valid base64/],
      [{ image_url: PNG_DATA_URI, should_texture: false, enable_pbr: true }, /enable_pbr needs should_texture: true/],
      [{ image_url: PNG_DATA_URI, ai_model: 'meshy-5', texture_resolution: '4k' }, /texture_resolution "4k" needs/],
      [{ image_url: PNG_DATA_URI, ai_model: 'meshy-t1', model_type: 'smart-topology' }, /meshy-t1 has been retired/],
      [{ image_url: PNG_DATA_URI, input_task_id: 'nope' }, /input_task_id is not a valid task id/],
      [{ image_url: PNG_DATA_URI, input_task_id: '01a07f5e-81c7-7111-86f2-f6d2f80b2093' }, /input_task_id names no task of yours/],
      [{ image_url: PNG_DATA_URI, texture_image_url: 'https://x.com/t.bmp' }, /texture_image_url must be a \.jpg/],
    ] as const) {
      const response = await api.call('POST', I23, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });
});
