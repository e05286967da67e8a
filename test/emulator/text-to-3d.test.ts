import { describe, expect, it } from 'vitest';
import { fakeClock, T2T, useEmulator } from './helpers.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const THREE_DAYS = 3 * 24 * 3600 * 1000;

const TASK_FIELDS = [
  'id',
  'type',
  'mode',
  'model_type',
  'prompt',
  'art_style',
  'negative_prompt',
  'texture_prompt',
  'texture_image_url',
  'seed',
  'model_urls',
  'thumbnail_url',
  'texture_urls',
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

describe('text to 3D: create and lifecycle', () => {
  it('creates a preview with 202 {result} and Meshy headers', async () => {
    const api = await useEmulator();
    const response = await api.call('POST', T2T, { mode: 'preview', prompt: 'a wooden barrel' });
    expect(response.status).toBe(202);
    expect(Object.keys(response.body)).toEqual(['result']);
    expect(response.body.result).toMatch(UUID_V7);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-api-version')).toBeTruthy();
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('goes PENDING → IN_PROGRESS → SUCCEEDED on the clock, with every field of the task object', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 1000, queueDelayMs: 100 });
    const created = clock.now();
    const id = await api.create({ mode: 'preview', prompt: 'a wooden barrel', target_formats: ['glb', 'obj'] });

    const pending = await api.get(id);
    expect(Object.keys(pending)).toEqual(TASK_FIELDS);
    expect(pending).toMatchObject({
      id,
      type: 'text-to-3d-preview',
      mode: 'preview',
      model_type: 'standard',
      prompt: 'a wooden barrel',
      status: 'PENDING',
      progress: 0,
      created_at: created,
      started_at: 0,
      finished_at: 0,
      expires_at: 0,
      preceding_tasks: 0,
      model_urls: {},
      thumbnail_url: '',
      texture_urls: [],
      task_error: { message: '' },
      consumed_credits: 20,
    });

    clock.advance(100 + 450);
    const running = await api.call('GET', `${T2T}/${id}`);
    expect(running.body).toMatchObject({ status: 'IN_PROGRESS', progress: 45, started_at: created + 100, finished_at: 0 });
    expect(running.headers.get('retry-after')).toBe('1'); // https://docs.meshy.ai/en/api/task-lifecycle, scaled to the remaining time

    clock.advance(549);
    expect((await api.get(id)).progress).toBe(99);

    clock.advance(1);
    const done = await api.get(id);
    expect(Object.keys(done)).toEqual(TASK_FIELDS);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      progress: 100,
      started_at: created + 100,
      finished_at: created + 1100,
      expires_at: created + 1100 + THREE_DAYS,
      texture_urls: [],
      consumed_credits: 20,
    });
    // Exactly the formats asked for; no MTL with an untextured preview's OBJ.
    expect(Object.keys(done.model_urls)).toEqual(['glb', 'obj']);
    expect(done.model_urls.glb).toMatch(new RegExp(`^${api.emulator.url}/assets/${id}/output/model\\.glb\\?Expires=\\d+&Signature=`));
    expect(done.thumbnail_url).toContain('/output/preview.png?');
    expect(Number.isInteger(done.seed)).toBe(true);
  });

  it('counts preceding_tasks for tasks waiting behind others', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 1000, queueDelayMs: 500 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await api.create({ mode: 'preview', prompt: `crate ${i}` }));
    expect((await Promise.all(ids.map((id) => api.get(id)))).map((task) => task.preceding_tasks)).toEqual([0, 1, 2]);
    clock.advance(500);
    expect((await api.get(ids[2]!)).preceding_tasks).toBe(0);
  });

  it('echoes historic fields and lists only the requested formats (no implicit glb)', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 10, queueDelayMs: 0 });
    const id = await api.create({
      mode: 'preview',
      prompt: 'a stone golem',
      seed: 777,
      negative_prompt: 'blurry',
      art_style: 'sculpture',
      target_formats: ['fbx', '3mf'],
      alpha_thumbnail: true,
    });
    clock.advance(10);
    const task = await api.get(id);
    expect(task).toMatchObject({ seed: 777, negative_prompt: 'blurry', art_style: 'sculpture' });
    expect(Object.keys(task.model_urls)).toEqual(['fbx', '3mf']);
    expect(task.alpha_thumbnail_url).toContain('/output/preview_alpha.png?');
  });

  it('adds the MTL only to the OBJ of a textured model; the default formats are all but 3mf', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 10, queueDelayMs: 0 });
    const preview = await api.create({ mode: 'preview', prompt: 'a lantern' });
    clock.advance(10);
    expect(Object.keys((await api.get(preview)).model_urls)).toEqual(['glb', 'fbx', 'obj', 'usdz', 'stl']);
    const objOnly = await api.create({ mode: 'refine', preview_task_id: preview, target_formats: ['obj'] });
    const defaults = await api.create({ mode: 'refine', preview_task_id: preview });
    clock.advance(10);
    expect(Object.keys((await api.get(objOnly)).model_urls)).toEqual(['obj', 'mtl']);
    expect(Object.keys((await api.get(defaults)).model_urls)).toEqual(['glb', 'fbx', 'obj', 'mtl', 'usdz', 'stl']);
  });
});

describe('text to 3D: refine', () => {
  async function succeededPreview(extra: Record<string, unknown> = {}) {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 10 });
    const previewId = await api.create({ mode: 'preview', prompt: 'a bronze lantern', ...extra });
    clock.advance(110);
    return { api, clock, previewId };
  }

  it('textures a SUCCEEDED preview: base colour, same seed and prompt, 10 credits', async () => {
    const { api, clock, previewId } = await succeededPreview();
    const id = await api.create({ mode: 'refine', preview_task_id: previewId, texture_prompt: 'green patina' });
    clock.advance(110);
    const [preview, refine] = [await api.get(previewId), await api.get(id)];
    expect(Object.keys(refine)).toEqual(TASK_FIELDS);
    expect(refine).toMatchObject({
      type: 'text-to-3d-refine',
      mode: 'refine',
      status: 'SUCCEEDED',
      prompt: 'a bronze lantern',
      texture_prompt: 'green patina',
      texture_image_url: '',
      seed: preview.seed,
      consumed_credits: 10,
    });
    expect(refine.texture_urls).toHaveLength(1);
    expect(Object.keys(refine.texture_urls[0])).toEqual(['base_color']);
    expect(refine.texture_urls[0].base_color).toContain('/output/texture_0.png?');
  });

  it('adds metallic, normal and roughness with enable_pbr (and emission for meshy-6), 15 credits at 8k', async () => {
    const { api, clock, previewId } = await succeededPreview({ ai_model: 'meshy-6' });
    const id = await api.create({ mode: 'refine', preview_task_id: previewId, enable_pbr: true });
    const eightK = await api.create({ mode: 'refine', preview_task_id: previewId, enable_pbr: true, texture_resolution: '8k' });
    clock.advance(110);
    const refine = await api.get(id);
    expect(Object.keys(refine.texture_urls[0])).toEqual(['base_color', 'metallic', 'normal', 'roughness', 'emission']);
    const big = await api.get(eightK);
    expect(Object.keys(big.texture_urls[0])).toEqual(['base_color', 'metallic', 'normal', 'roughness']);
    expect(big.consumed_credits).toBe(15);
  });

  it('refuses unknown (404), malformed, unfinished, failed and non-preview tasks (400)', async () => {
    const { api, clock, previewId } = await succeededPreview();
    const refine = (preview_task_id: unknown) => api.call('POST', T2T, { mode: 'refine', preview_task_id });

    const unknown = await refine('01a07f5e-81c7-7111-86f2-f6d2f80b2093');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/not found/i);

    expect((await refine('not-a-task')).body.message).toMatch(/preview_task_id/);
    expect((await refine(undefined)).body.message).toBe('preview_task_id is required');

    const busy = await api.create({ mode: 'preview', prompt: 'a second lantern' });
    const notReady = await refine(busy);
    expect(notReady.status).toBe(400);
    expect(notReady.body.message).toMatch(/PENDING/);

    const failed = await api.create({ mode: 'preview', prompt: 'a cursed lantern [emulator:fail]' });
    const refineId = await api.create({ mode: 'refine', preview_task_id: previewId });
    clock.advance(200);
    expect((await refine(failed)).body.message).toMatch(/FAILED/);
    const ofRefine = await refine(refineId);
    expect(ofRefine.status).toBe(400);
    expect(ofRefine.body.message).toMatch(/text-to-3d-refine/);
  });

  it('does not see previews of another account', async () => {
    const { api, previewId } = await succeededPreview();
    const response = await api.call('POST', T2T, { mode: 'refine', preview_task_id: previewId }, { key: 'msy_dummy_api_key_for_test_mode_12345678' });
    expect(response.status).toBe(404);
  });

  it('checks the refine model against the preview and texture_resolution against the model', async () => {
    const { api, previewId } = await succeededPreview({ ai_model: 'meshy-5' });
    const mismatch = await api.call('POST', T2T, { mode: 'refine', preview_task_id: previewId, ai_model: 'meshy-7' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.message).toMatch(/ai_model meshy-7 does not match .* meshy-5/);
    const fourK = await api.call('POST', T2T, { mode: 'refine', preview_task_id: previewId, texture_resolution: '4k' });
    expect(fourK.status).toBe(400);
    expect(fourK.body.message).toMatch(/texture_resolution "4k"/);
    expect((await api.call('POST', T2T, { mode: 'refine', preview_task_id: previewId, ai_model: 'meshy-5' })).status).toBe(202);
  });
});

describe('text to 3D: list and delete', () => {
  it("pages and sorts a bare array of the caller's tasks", async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 0, queueDelayMs: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await api.create({ mode: 'preview', prompt: `tower ${i}` }));
      clock.advance(1);
    }
    await api.create({ mode: 'preview', prompt: 'not mine' }, 'msy_dummy_api_key_for_test_mode_12345678');
    const list = async (query: string) => (await api.call('GET', `${T2T}${query}`)).body.map((task: { id: string }) => task.id);

    expect(await list('')).toEqual([...ids].reverse()); // default: newest first, page_size 10
    expect(await list('?page_num=1&page_size=2&sort_by=-created_at')).toEqual([ids[4], ids[3]]);
    expect(await list('?page_num=3&page_size=2&sort_by=-created_at')).toEqual([ids[0]]);
    expect(await list('?page_num=4&page_size=2')).toEqual([]);
    expect(await list('?page_size=3&sort_by=%2Bcreated_at')).toEqual(ids.slice(0, 3));
    expect(await list('?page_size=3&sort_by=+created_at')).toEqual(ids.slice(0, 3)); // unencoded + is a space
    const full = (await api.call('GET', `${T2T}?page_size=1`)).body[0];
    expect(full).toMatchObject({ id: ids[4], status: 'SUCCEEDED', type: 'text-to-3d-preview' });

    for (const [query, field] of [
      ['?page_size=51', 'page_size'],
      ['?page_size=0', 'page_size'],
      ['?page_num=0', 'page_num'],
      ['?sort_by=name', 'sort_by'],
    ]) {
      const response = await api.call('GET', `${T2T}${query}`);
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(field);
    }
  });

  it('deletes with 200 and no body; the task is gone afterwards', async () => {
    const api = await useEmulator();
    const id = await api.create({ mode: 'preview', prompt: 'a doomed vase' });
    const deleted = await api.call('DELETE', `${T2T}/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.text).toBe('');
    const gone = await api.call('GET', `${T2T}/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ message: 'Task not found' });
    expect((await api.call('DELETE', `${T2T}/${id}`)).status).toBe(404);
    expect((await api.call('GET', T2T)).body).toEqual([]);
  });
});

describe('routing', () => {
  it('answers unknown routes, wrong versions and wrong methods with 404 NoMatchingRoute', async () => {
    const api = await useEmulator();
    for (const [method, path] of [
      ['GET', '/openapi/v1/text-to-3d'],
      ['POST', '/openapi/v1/text-to-3d'],
      ['GET', '/v2/text-to-3d'],
      ['GET', '/openapi/v2/image-to-3d'],
      ['PUT', T2T],
      ['POST', '/openapi/v1/balance'],
      ['GET', `${T2T}/a/b/c`],
    ] as const) {
      const response = await api.call(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body).toEqual({ message: 'NoMatchingRoute' });
    }
  });

  it('refuses browser (CORS preflight) calls with 403, as Meshy does', async () => {
    const api = await useEmulator();
    const preflight = await fetch(`${api.emulator.url}/openapi/v1/balance`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});
