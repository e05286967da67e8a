import { describe, expect, it } from 'vitest';
import { validateGlb } from '../helpers/validate.js';
import { download, fakeClock, PNG_DATA_URI, useEmulator } from './helpers.js';

const MI23 = '/openapi/v1/multi-image-to-3d';
const TTI = '/openapi/v1/text-to-image';

describe('multi-image to 3D (https://docs.meshy.ai/en/api/multi-image-to-3d)', () => {
  it('builds a validating model from 1–4 images, echoing texture_image_urls', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
    const id = await api.createAt(MI23, {
      image_urls: [PNG_DATA_URI, 'https://example.com/side.jpg'],
      texture_image_urls: [PNG_DATA_URI],
      ai_model: 'meshy-7',
    });
    const views = await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'a vase', generate_multi_view: true });
    clock.advance(100);
    const task = await api.getAt(MI23, id);
    expect(task).toMatchObject({
      type: 'multi-image-to-3d',
      status: 'SUCCEEDED',
      consumed_credits: 30,
      texture_image_urls: [PNG_DATA_URI],
      texture_prompt: '',
    });
    expect((await validateGlb((await download(task.model_urls.glb)).bytes)).errors).toBe(0);
    // Multi-view image tasks are fine here (https://docs.meshy.ai/en/api/multi-image-to-3d).
    expect((await api.call('POST', MI23, { input_task_id: views, should_texture: false })).status).toBe(202);
  });

  it('refuses wrong image counts, 4k geometry, Smart Topology and conflicting texture inputs', async () => {
    const api = await useEmulator();
    for (const [body, message] of [
      [{}, /^image_urls or input_task_id is required$/],
      [{ image_urls: [] }, /image_urls must hold 1 to 4 images \(got 0\)/],
      [{ image_urls: Array(5).fill(PNG_DATA_URI) }, /got 5/],
      [{ image_urls: [PNG_DATA_URI, 'https://x.com/a.tiff'] }, /image_urls\[1\] must be a \.jpg/],
      [{ image_urls: [PNG_DATA_URI], geometry_resolution: '4k' }, /^geometry_resolution must be one of "standard", "2k"/],
      [{ image_urls: [PNG_DATA_URI], model_type: 'smart-topology' }, /^model_type must be "standard"|^model_type must be one of/],
      [{ image_urls: [PNG_DATA_URI], texture_image_urls: [PNG_DATA_URI], texture_prompt: 'red' }, /texture_image_urls cannot be combined/],
      [{ image_urls: [PNG_DATA_URI], texture_image_urls: [PNG_DATA_URI], ai_model: 'meshy-6' }, /texture_image_urls needs ai_model meshy-7/],
    ] as const) {
      const response = await api.call('POST', MI23, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
  });
});
