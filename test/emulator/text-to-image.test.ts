import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { download, fakeClock, pngSize, useEmulator } from './helpers.js';

const TTI = '/openapi/v1/text-to-image';
const FIELDS = [
  'id',
  'type',
  'ai_model',
  'prompt',
  'image_urls',
  'progress',
  'status',
  'created_at',
  'started_at',
  'finished_at',
  'expires_at',
  'preceding_tasks',
  'task_error',
  'consumed_credits',
];

async function emulator() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 10 });
  return { api, clock };
}

describe('text to image (https://docs.meshy.ai/en/api/text-to-image)', () => {
  it("makes one real PNG per task, sized by the aspect ratio (small profile: ¼ of Meshy's pixels)", async () => {
    const { api, clock } = await emulator();
    const id = await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'a knight in armour', aspect_ratio: '16:9' });
    const pending = await api.getAt(TTI, id);
    expect(Object.keys(pending)).toEqual(FIELDS);
    expect(pending).toMatchObject({
      type: 'text-to-image',
      status: 'PENDING',
      image_urls: [],
      consumed_credits: 3,
      ai_model: 'nano-banana',
      prompt: 'a knight in armour',
    });
    clock.advance(110);
    const done = await api.getAt(TTI, id);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.image_urls).toHaveLength(1);
    const png = await download(done.image_urls[0]);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(pngSize(png.bytes)).toEqual({ width: 336, height: 192 });
  });

  it('makes 3 views with generate_multi_view and RGBA with remove_background; prices per model', async () => {
    const { api, clock } = await emulator();
    const multi = await api.createAt(TTI, { ai_model: 'gpt-image-2', prompt: 'a robot', generate_multi_view: true, remove_background: true });
    const pro = await api.createAt(TTI, { ai_model: 'nano-banana-pro', prompt: 'a robot', aspect_ratio: '3:4' });
    clock.advance(110);
    const task = await api.getAt(TTI, multi);
    expect(task.consumed_credits).toBe(9);
    expect(task.image_urls).toHaveLength(3);
    const pngs = await Promise.all(task.image_urls.map((url: string) => download(url)));
    const meta = await sharp(Buffer.from(pngs[0]!.bytes)).metadata();
    expect([meta.channels, meta.hasAlpha]).toEqual([4, true]);
    expect(Buffer.from(pngs[0]!.bytes).equals(Buffer.from(pngs[1]!.bytes))).toBe(false);
    const tall = await api.getAt(TTI, pro);
    expect(tall.consumed_credits).toBe(9);
    expect(pngSize((await download(tall.image_urls[0])).bytes)).toEqual({ width: 216, height: 296 });
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(10_000 - 18);
  });

  it('refuses missing fields, unknown models, ratios of another model and multi-view with a ratio', async () => {
    const { api } = await emulator();
    for (const [body, message] of [
      [{ prompt: 'x' }, /^ai_model is required/],
      [{ ai_model: 'nano-banana' }, /^prompt is required/],
      [{ ai_model: 'dall-e', prompt: 'x' }, /^ai_model must be one of/],
      [{ ai_model: 'gpt-image-2', prompt: 'x', aspect_ratio: '16:9' }, /aspect_ratio must be one of "1:1", "3:2", "2:3" for gpt-image-2/],
      [{ ai_model: 'nano-banana', prompt: 'x', aspect_ratio: '3:2' }, /aspect_ratio must be one of .* for nano-banana/],
      [{ ai_model: 'nano-banana', prompt: 'x', generate_multi_view: true, aspect_ratio: '1:1' }, /aspect_ratio cannot be combined with generate_multi_view/],
      [{ ai_model: 'nano-banana', prompt: 'x', pose_mode: 'x-pose' }, /^pose_mode must be one of/],
    ] as const) {
      const response = await api.call('POST', TTI, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });

  it('does not count against the queue limit (https://docs.meshy.ai/en/api/rate-limits)', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, queueLimit: 1, taskDurationMs: 1000 });
    await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'one' });
    await api.createAt(TTI, { ai_model: 'nano-banana', prompt: 'two' });
    await api.create({ mode: 'preview', prompt: 'three' });
    expect((await api.call('POST', '/openapi/v2/text-to-3d', { mode: 'preview', prompt: 'four' })).status).toBe(429);
  });
});
