import { describe, expect, it } from 'vitest';
import { fakeClock, KEY, readStream, T2T, useEmulator } from './helpers.js';

describe('SSE stream (https://docs.meshy.ai/en/api/text-to-3d)', () => {
  it('sends {id, progress, status} updates, then the full object, then closes', async () => {
    const api = await useEmulator({ taskDurationMs: 400, queueDelayMs: 100 });
    const id = await api.create({ mode: 'preview', prompt: 'a streamed vase' });
    const { status, contentType, events } = await readStream(`${api.emulator.url}${T2T}/${id}/stream`);

    expect(status).toBe(200);
    expect(contentType).toBe('text/event-stream');
    expect(events.every((e) => e.event === 'message')).toBe(true);
    const updates = events.slice(0, -1).map((e) => e.data);
    const last = events.at(-1)!.data;

    expect(updates[0]).toEqual({ id, progress: 0, status: 'PENDING' });
    expect(updates.length).toBeGreaterThan(2); // ~20 on an idle machine; fewer when the CPU is busy
    for (const update of updates) {
      expect(Object.keys(update)).toEqual(['id', 'progress', 'status']);
      expect(['PENDING', 'IN_PROGRESS']).toContain(update.status);
    }
    const progress = updates.map((u) => u.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(updates.some((u) => u.status === 'IN_PROGRESS' && u.progress > 0)).toBe(true);
    expect(last).toEqual(await api.get(id));
    expect(last).toMatchObject({ id, status: 'SUCCEEDED', progress: 100, type: 'text-to-3d-preview' });
  });

  it('sends a single event for a task that is already final', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 10, queueDelayMs: 0 });
    const id = await api.create({ mode: 'preview', prompt: 'a finished vase' });
    const failed = await api.create({ mode: 'preview', prompt: 'a broken vase [emulator:fail]' });
    clock.advance(10);
    const done = await readStream(`${api.emulator.url}${T2T}/${id}/stream`);
    expect(done.events).toHaveLength(1);
    expect(done.events[0]!.data).toMatchObject({ id, status: 'SUCCEEDED' });
    const broken = await readStream(`${api.emulator.url}${T2T}/${failed}/stream`);
    expect(broken.events.map((e) => [e.event, e.data.status, e.data.task_error?.type])).toEqual([['message', 'FAILED', 'server_error']]);
  });

  it("answers an unknown (or another account's) id with an error event", async () => {
    const api = await useEmulator();
    const stranger = await api.create({ mode: 'preview', prompt: 'not yours' }, 'msy_dummy_api_key_for_test_mode_12345678');
    for (const id of ['01a07f5e-81c7-7111-86f2-f6d2f80b2093', stranger]) {
      const { status, events } = await readStream(`${api.emulator.url}${T2T}/${id}/stream`, KEY);
      expect(status).toBe(200);
      expect(events).toEqual([{ event: 'error', data: { status_code: 404, message: 'Task not found' } }]);
    }
  });

  it('needs a valid key like every other endpoint', async () => {
    const api = await useEmulator();
    const id = await api.create({ mode: 'preview', prompt: 'a guarded vase' });
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`);
    expect(response.status).toBe(401);
  });

  it('ends with the error event when the task is deleted mid-stream', async () => {
    const api = await useEmulator({ taskDurationMs: 2000 });
    const id = await api.create({ mode: 'preview', prompt: 'a vanishing vase' });
    const stream = readStream(`${api.emulator.url}${T2T}/${id}/stream`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await api.call('DELETE', `${T2T}/${id}`);
    const { events } = await stream;
    expect(events[0]!.data).toEqual({ id, progress: 0, status: 'PENDING' });
    expect(events.at(-1)).toEqual({ event: 'error', data: { status_code: 404, message: 'Task not found' } });
  });

  it('is ended by close(), so nothing hangs', async () => {
    const api = await useEmulator({ taskDurationMs: 60_000 });
    const id = await api.create({ mode: 'preview', prompt: 'an endless vase' });
    const response = await fetch(`${api.emulator.url}${T2T}/${id}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const reader = response.body!.getReader();
    await reader.read(); // the first event
    const started = Date.now();
    await api.emulator.close();
    await reader.read().then(
      () => reader.read(),
      () => undefined,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
