import { describe, expect, it } from 'vitest';
import { download, fakeClock, KEY, T2T, TEST_MODE_KEY, useEmulator } from './helpers.js';

describe('authentication (401)', () => {
  it('refuses a missing, malformed or unknown key', async () => {
    const api = await useEmulator();
    const balance = (authorization?: string) =>
      fetch(`${api.emulator.url}/openapi/v1/balance`, { headers: authorization ? { authorization } : {} }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
        requestId: r.headers.get('x-request-id'),
      }));
    for (const header of [undefined, 'Bearer msy_wrong', KEY, `Token ${KEY}`, 'Bearer ']) {
      const response = await balance(header);
      expect(response.status, String(header)).toBe(401);
      expect(response.body).toEqual({ message: 'Invalid API key' });
      expect(response.requestId).toBeTruthy();
    }
    expect((await balance(`Bearer ${KEY}`)).status).toBe(200);
    const create = await api.call('POST', T2T, { mode: 'preview', prompt: 'a key' }, { key: 'msy_nope' });
    expect(create.status).toBe(401);
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });
});

describe('credits', () => {
  it('charges at creation and shows the balance', async () => {
    const api = await useEmulator({ balance: 100 });
    expect((await api.call('GET', '/openapi/v1/balance')).body).toEqual({ balance: 100 });
    await api.create({ mode: 'preview', prompt: 'a chair' }); // 20
    await api.create({ mode: 'preview', prompt: 'a chair', ai_model: 'meshy-6-lite' }); // 5
    await api.create({ mode: 'preview', prompt: 'a chair', model_type: 'smart-topology' }); // 5
    await api.create({ mode: 'preview', prompt: 'a chair', geometry_resolution: '4k' }); // 25
    expect((await api.call('GET', '/openapi/v1/balance')).body).toEqual({ balance: 45 });
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 4, creditsCharged: 55, creditsRefunded: 0, tasksByType: { 'text-to-3d-preview': 4 } });
  });

  it('answers 402 when the balance is below the price, creating nothing', async () => {
    const api = await useEmulator({ balance: 15 });
    const response = await api.call('POST', T2T, { mode: 'preview', prompt: 'an expensive statue' });
    expect(response.status).toBe(402);
    expect(response.body).toEqual({ message: 'InsufficientCredits' });
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 0, creditsCharged: 0 });
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'a cheap statue', ai_model: 'meshy-6-lite' })).status).toBe(202);
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(10);
  });

  it('fails a task with the [emulator:fail] marker after some progress and refunds it', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 1000, queueDelayMs: 0 });
    const id = await api.create({ mode: 'preview', prompt: 'a cursed idol [emulator:fail]' });
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(9980);
    clock.advance(15);
    expect(await api.get(id)).toMatchObject({ status: 'IN_PROGRESS', consumed_credits: 20, task_error: { message: '' } });

    clock.advance(1000);
    const failed = await api.get(id);
    expect(failed).toMatchObject({
      status: 'FAILED',
      progress: 0,
      consumed_credits: 0,
      expires_at: 0,
      model_urls: {},
      texture_urls: [],
      task_error: { type: 'server_error', message: 'Failed to generate preview images. Please retry.' },
    });
    expect(failed.finished_at).toBeGreaterThan(failed.started_at);
    expect(failed.finished_at).toBeLessThan(failed.started_at + 1000);
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(10_000);
    expect(api.emulator.stats()).toMatchObject({ creditsCharged: 20, creditsRefunded: 20 });
    // Refunded once, however often it is looked at.
    await api.get(id);
    expect(api.emulator.stats().creditsRefunded).toBe(20);
  });

  it('takes a custom fault rule', async () => {
    const clock = fakeClock();
    const api = await useEmulator({
      now: clock.now,
      taskDurationMs: 100,
      queueDelayMs: 0,
      faultRule: (task) =>
        task.type === 'text-to-3d-refine' ? { atProgress: 90, error: { type: 'timeout', code: 'timeout', message: 'Timed out.' } } : undefined,
    });
    const previewId = await api.create({ mode: 'preview', prompt: 'a lamp' });
    clock.advance(100);
    const refineId = await api.create({ mode: 'refine', preview_task_id: previewId });
    clock.advance(89);
    expect((await api.get(refineId)).status).toBe('IN_PROGRESS');
    clock.advance(2);
    expect(await api.get(refineId)).toMatchObject({ status: 'FAILED', task_error: { type: 'timeout', code: 'timeout', message: 'Timed out.' } });
    expect((await api.get(previewId)).status).toBe('SUCCEEDED');
  });
});

describe('limits (429)', () => {
  it('limits requests per second per account, without Retry-After (Meshy sends none)', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, rateLimitPerSecond: 3 });
    for (let i = 0; i < 3; i++) expect((await api.call('GET', '/openapi/v1/balance')).status).toBe(200);
    const limited = await api.call('GET', '/openapi/v1/balance');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'RateLimitExceeded' });
    expect(limited.headers.get('retry-after')).toBeNull();
    // The test-mode key is another account, with its own budget.
    expect((await api.call('GET', '/openapi/v1/balance', undefined, { key: TEST_MODE_KEY })).status).toBe(200);
    clock.advance(1000);
    expect((await api.call('GET', '/openapi/v1/balance')).status).toBe(200);
  });

  it('refuses a create when the queue is full, charging nothing', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, queueLimit: 2, taskDurationMs: 3000, queueDelayMs: 0 });
    await api.create({ mode: 'preview', prompt: 'one' });
    clock.advance(1000);
    await api.create({ mode: 'preview', prompt: 'two' });
    const full = await api.call('POST', T2T, { mode: 'preview', prompt: 'three' });
    expect(full.status).toBe(429);
    expect(full.body).toEqual({ message: 'NoMoreConcurrentTasks' });
    expect(full.headers.get('retry-after')).toBeNull(); // https://docs.meshy.ai/en/api/rate-limits documents none
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 2, creditsCharged: 40 });
    expect((await api.call('GET', '/openapi/v1/balance')).body.balance).toBe(9960);
    clock.advance(2000);
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'three' })).status).toBe(202);
  });
});

describe('test-mode key (https://docs.meshy.ai/en/api/authentication)', () => {
  it('validates, costs nothing and returns the same sample results whatever the input', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 10 });
    const asTestMode = { key: TEST_MODE_KEY };
    expect((await api.call('POST', T2T, { mode: 'preview' }, asTestMode)).status).toBe(400);

    const first = await api.create({ mode: 'preview', prompt: 'a dragon', target_formats: ['glb'] }, TEST_MODE_KEY);
    const second = await api.create({ mode: 'preview', prompt: 'a toaster [emulator:fail]' }, TEST_MODE_KEY);
    expect(first).not.toBe(second);
    expect((await api.get(first, TEST_MODE_KEY)).status).toBe('PENDING');
    clock.advance(110);
    const [a, b] = [await api.get(first, TEST_MODE_KEY), await api.get(second, TEST_MODE_KEY)];
    expect(a).toMatchObject({ status: 'SUCCEEDED', consumed_credits: 0, prompt: 'a dragon' });
    expect(b).toMatchObject({ status: 'SUCCEEDED', consumed_credits: 0, prompt: 'a toaster [emulator:fail]' });
    expect(a.seed).toBe(b.seed);
    expect(Object.keys(a.model_urls)).toEqual(Object.keys(b.model_urls));
    const [glbA, glbB] = [await download(a.model_urls.glb), await download(b.model_urls.glb)];
    expect(Buffer.from(glbA.bytes).equals(Buffer.from(glbB.bytes))).toBe(true);

    const refine = await api.create({ mode: 'refine', preview_task_id: first }, TEST_MODE_KEY);
    clock.advance(110);
    expect(Object.keys((await api.get(refine, TEST_MODE_KEY)).texture_urls[0])).toEqual(['base_color', 'metallic', 'normal', 'roughness']);

    expect((await api.call('GET', '/openapi/v1/balance', undefined, asTestMode)).body).toEqual({ balance: 1000 });
    expect((await api.call('GET', '/openapi/v1/balance')).body).toEqual({ balance: 10_000 });
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 3, creditsCharged: 0 });
    // Accounts do not see each other's tasks.
    expect((await api.call('GET', `${T2T}/${first}`)).status).toBe(404);
    expect((await api.call('GET', T2T, undefined, asTestMode)).body).toHaveLength(3);
  });
});
