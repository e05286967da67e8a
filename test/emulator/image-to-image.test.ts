import { describe, expect, it } from 'vitest';
import { download, fakeClock, PNG_DATA_URI, pngSize, useEmulator } from './helpers.js';

const ITI = '/openapi/v1/image-to-image';

describe('image to image (https://docs.meshy.ai/en/api/image-to-image)', () => {
  it('edits 1–5 reference images into a PNG, priced per model (gpt-image-2: 12)', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
    const id = await api.createAt(ITI, {
      ai_model: 'gpt-image-2',
      prompt: 'make it golden',
      reference_image_urls: [PNG_DATA_URI, 'https://example.com/a.jpg'],
      aspect_ratio: '2:3',
    });
    clock.advance(100);
    const task = await api.getAt(ITI, id);
    expect(task).toMatchObject({ type: 'image-to-image', status: 'SUCCEEDED', consumed_credits: 12, ai_model: 'gpt-image-2', prompt: 'make it golden' });
    expect(pngSize((await download(task.image_urls[0])).bytes)).toEqual({ width: 256, height: 384 });
  });

  it('refuses missing, too many or bad reference images', async () => {
    const api = await useEmulator();
    const edit = (reference_image_urls: unknown) => api.call('POST', ITI, { ai_model: 'nano-banana', prompt: 'x', reference_image_urls });
    expect((await edit(undefined)).body.message).toMatch(/^reference_image_urls is required/);
    expect((await edit([])).body.message).toMatch(/reference_image_urls must hold 1 to 5 images \(got 0\)/);
    expect((await edit(Array(6).fill(PNG_DATA_URI))).body.message).toMatch(/got 6/);
    expect((await edit(['https://example.com/a.webp'])).body.message).toMatch(
      /reference_image_urls\[0\] must be a \.jpg, \.jpeg or \.png image \(got \.webp\)/,
    );
    expect((await edit(['data:image/png;base64,/9j/4AAQSkZJRg=='])).body.message).toMatch(/reference_image_urls\[0\] data URI is not a valid PNG image/);
    expect((await edit(['ftp://x/a.png'])).status).toBe(400);
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });
});
