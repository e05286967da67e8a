import { describe, expect, it } from 'vitest';
import * as client from '../../src/meshy/index.js';
import { taskSchemaOf } from '../../src/meshy/task-schemas.js';
import { download, fakeClock, PNG_DATA_URI, readStream, TEST_MODE_KEY, useEmulator } from './helpers.js';

/**
 * The endpoints every v1 resource shares (https://docs.meshy.ai/en/api/quick-start,
 * https://docs.meshy.ai/en/api/task-lifecycle, https://docs.meshy.ai/en/api/text-to-3d), each with a cheap valid
 * body.
 */
describe('list, get, delete and stream on every resource', () => {
  it('works the same on all of them', async () => {
    const clock = fakeClock();
    // The clock stands still, so the per-second request limit would trip: lift it.
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0, rateLimitPerSecond: 1000 });
    const preview = await api.create({ mode: 'preview', prompt: 'a hero' });
    clock.advance(100);
    const rig = await api.createAt('/openapi/v1/rigging', { input_task_id: preview });
    clock.advance(100);
    const bodies: [string, string, Record<string, unknown>, client.TaskResource<any>][] = [
      ['/openapi/v1/image-to-3d', 'image-to-3d', { image_url: PNG_DATA_URI, texture_prompt: 'gold' }, client.imageTo3d],
      ['/openapi/v1/multi-image-to-3d', 'multi-image-to-3d', { image_urls: [PNG_DATA_URI] }, client.multiImageTo3d],
      ['/openapi/v1/remesh', 'remesh', { input_task_id: preview }, client.remesh],
      ['/openapi/v1/retexture', 'retexture', { input_task_id: preview, text_style_prompt: 'wood' }, client.retexture],
      ['/openapi/v1/rigging', 'rig', { input_task_id: preview }, client.rigging],
      ['/openapi/v1/animations', 'animate', { rig_task_id: rig, action_id: 1 }, client.animation],
      ['/openapi/v1/text-to-image', 'text-to-image', { ai_model: 'nano-banana', prompt: 'a hero' }, client.textToImage],
      [
        '/openapi/v1/image-to-image',
        'image-to-image',
        { ai_model: 'nano-banana', prompt: 'a hero', reference_image_urls: [PNG_DATA_URI] },
        client.imageToImage,
      ],
    ];
    const ids: string[] = [];
    for (const [path, , body] of bodies) ids.push(await api.createAt(path, body));
    clock.advance(100);
    for (const [[path, type, body, resource], id] of bodies.map((entry, i) => [entry, ids[i]!] as const)) {
      const list = (await api.call('GET', `${path}?page_size=50`)).body;
      expect(
        list.map((task: { id: string }) => task.id),
        path,
      ).toContain(id);
      const task = await api.getAt(path, id);
      expect(task).toMatchObject({ id, type, status: 'SUCCEEDED', task_error: { message: '' } });
      // The client's descriptor: same path, its schema reads the task, and it recognises its own request.
      expect(resource.path).toBe(path);
      const parsed = taskSchemaOf(resource).parse(task);
      expect(resource.matchesRequest(parsed, body)).toBe(true);
      const { events } = await readStream(`${api.emulator.url}${path}/${id}/stream`);
      expect(events.map((e) => e.data)).toEqual([task]);
      expect((await api.call('DELETE', `${path}/${id}`)).status).toBe(200);
      expect((await api.call('GET', `${path}/${id}`)).status).toBe(404);
      // A task is only found under its own resource.
      expect((await api.call('GET', `/openapi/v2/text-to-3d/${ids[0]}`)).status).toBe(404);
    }
  });
});

describe('test-mode key (https://docs.meshy.ai/en/api/authentication) on the other resources', () => {
  it('returns the same sample results whatever the input, echoing the request and costing nothing', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
    const tti = '/openapi/v1/text-to-image';
    const i23 = '/openapi/v1/image-to-3d';
    const images = [
      await api.createAt(tti, { ai_model: 'nano-banana', prompt: 'a cat', aspect_ratio: '16:9' }, TEST_MODE_KEY),
      await api.createAt(tti, { ai_model: 'gpt-image-2', prompt: 'a dog', generate_multi_view: true }, TEST_MODE_KEY),
    ];
    const models = [
      await api.createAt(i23, { image_url: PNG_DATA_URI, should_texture: false }, TEST_MODE_KEY),
      await api.createAt(i23, { image_url: 'https://example.com/x.png', texture_prompt: 'red' }, TEST_MODE_KEY),
    ];
    clock.advance(100);
    const [cat, dog] = await Promise.all(images.map((id) => api.getAt(tti, id, TEST_MODE_KEY)));
    expect([cat.prompt, dog.prompt, cat.consumed_credits, dog.image_urls.length]).toEqual(['a cat', 'a dog', 0, 1]);
    const [catPng, dogPng] = await Promise.all([download(cat.image_urls[0]), download(dog.image_urls[0])]);
    expect(Buffer.from(catPng.bytes).equals(Buffer.from(dogPng.bytes))).toBe(true);
    const [a, b] = await Promise.all(models.map((id) => api.getAt(i23, id, TEST_MODE_KEY)));
    expect(b.texture_prompt).toBe('red');
    expect(Object.keys(a.texture_urls[0])).toEqual(Object.keys(b.texture_urls[0]));
    const [glbA, glbB] = await Promise.all([download(a.model_urls.glb), download(b.model_urls.glb)]);
    expect(Buffer.from(glbA.bytes).equals(Buffer.from(glbB.bytes))).toBe(true);
    expect(api.emulator.stats().creditsCharged).toBe(0);
  });
});
