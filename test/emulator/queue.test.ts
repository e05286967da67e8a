import { describe, expect, it } from 'vitest';
import { fakeClock, readStream, T2T, useEmulator } from './helpers.js';

/** What a test of queue-aware clients reads from the emulator (issue 17). */
describe('the account queue as the emulator shows it', () => {
  it('counts creates refused for a full queue, not faults or other refusals', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, queueLimit: 1, taskDurationMs: 3000, queueDelayMs: 0 });
    await api.create({ mode: 'preview', prompt: 'one' });
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'two' })).status).toBe(429);
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'two' })).status).toBe(429);
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'x', topology: 'hexagon' })).status).toBe(400);
    api.emulator.setFaults({ requests: [{ kind: 'rate-limit', message: 'NoMoreConcurrentTasks', path: T2T, method: 'POST' }] });
    expect((await api.call('POST', T2T, { mode: 'preview', prompt: 'two' })).status).toBe(429);
    expect(api.emulator.stats()).toMatchObject({ tasksCreated: 1, createsRefused: 2, faultsInjected: { 'rate-limit': 1 } });
  });

  it('gives every task the timestamps of a timeline: created_at, and finished_at once final', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, queueLimit: 2, taskDurationMs: 3000, queueDelayMs: 500 });
    const id = await api.create({ mode: 'preview', prompt: 'a timed vase' });
    expect(api.emulator.tasks()).toEqual([expect.objectContaining({ id, created_at: clock.now(), started_at: 0, finished_at: 0 })]);
    const createdAt = clock.now();
    clock.advance(3500);
    expect(api.emulator.tasks()).toEqual([expect.objectContaining({ id, created_at: createdAt, started_at: createdAt + 500, finished_at: createdAt + 3500 })]);
  });

  it('sends the final stream event when the task ends, not at the next progress tick', async () => {
    // A 2 s task ticks every 100 ms from the moment its stream opens; opened 60 ms after the create,
    // the ticks fall 60 ms past the task's end, and without a timer for the end so would the final event.
    const api = await useEmulator({ taskDurationMs: 2000, queueDelayMs: 0 });
    const id = await api.create({ mode: 'preview', prompt: 'a punctual vase' });
    await new Promise((resolve) => setTimeout(resolve, 60));
    const { events } = await readStream(`${api.emulator.url}${T2T}/${id}/stream`);
    const seenAt = Date.now();
    const final = events.at(-1)!.data as { status: string; finished_at: number };
    expect(final.status).toBe('SUCCEEDED');
    expect(seenAt - final.finished_at).toBeLessThan(30);
  });
});
