import { describe, expect, it } from 'vitest';
import { validateGlb } from '../helpers/validate.js';
import { download, fakeClock, inspectRig, KEY, TEST_MODE_KEY, useEmulator } from './helpers.js';

const MOTION = '/openapi/v1/text-to-motion';
const RIG = '/openapi/v1/rigging';
const ANIMATE = '/openapi/v1/animations';

async function emulated() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
  return { api, finish: () => clock.advance(100) };
}

describe('text to motion (https://docs.meshy.ai/en/api/text-to-motion)', () => {
  it('creates, gets, lists, streams and deletes like every resource; priced by mode', async () => {
    const { api, finish } = await emulated();
    const swift = await api.createAt(MOTION, { prompt: 'a zombie shamble', mode: 'swift', duration: 4 });
    const prime = await api.createAt(MOTION, { prompt: 'a victory dance', duration: 2.5 });
    expect(await api.getAt(MOTION, swift)).toMatchObject({ type: 'text-to-motion', prompt: 'a zombie shamble', mode: 'swift', duration: 4, result: null });
    finish();
    const done = await api.getAt(MOTION, swift);
    expect(done).toMatchObject({ status: 'SUCCEEDED', progress: 100, consumed_credits: 3 });
    expect(Object.keys(done.result)).toEqual(['motion_bvh_url']);
    expect((await download(done.result.motion_bvh_url)).status).toBe(200);
    // Meshy's default mode is prime: 10 credits, FBX.
    const primeTask = await api.getAt(MOTION, prime);
    expect(primeTask).toMatchObject({ mode: 'prime', consumed_credits: 10 });
    expect(Object.keys(primeTask.result)).toEqual(['motion_fbx_url']);
    expect(api.emulator.stats().creditsCharged).toBe(13);
    const list = await api.call('GET', `${MOTION}?sort_by=-created_at`);
    expect(list.body.map((task: { id: string }) => task.id)).toEqual([prime, swift]);
    const stream = await fetch(`${api.emulator.url}${MOTION}/${swift}/stream`, { headers: { authorization: `Bearer ${KEY}` } });
    const text = await stream.text();
    expect(text).toMatch(/^event: message\ndata: \{"id":"[^"]+","type":"text-to-motion",/);
    expect((await api.call('DELETE', `${MOTION}/${prime}`)).status).toBe(200);
    expect((await api.call('GET', `${MOTION}/${prime}`)).status).toBe(404);
  });

  it('refuses what Meshy refuses: prompt length, duration range and steps, mode (400); a flagged prompt (403)', async () => {
    const { api } = await emulated();
    for (const [body, status, message] of [
      [{ prompt: 'x'.repeat(401), duration: 4 }, 400, /prompt must be at most 400 characters/],
      [{ prompt: 'a wave', duration: 1.5 }, 400, /duration must be at least 2/],
      [{ prompt: 'a wave', duration: 10.5 }, 400, /duration must be at most 10/],
      [{ prompt: 'a wave', duration: 3.25 }, 400, /duration must be a multiple of 0.5 seconds/],
      [{ prompt: 'a wave' }, 400, /duration is required/],
      [{ prompt: 'a wave', duration: 4, mode: 'fast' }, 400, /mode must be one of "prime", "swift"/],
      [{ prompt: 'a wave [emulator:flagged]', duration: 4 }, 403, /flagged by moderation/],
    ] as const) {
      const response = await api.call('POST', MOTION, body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(response.body.message).toMatch(message);
    }
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });

  it('applies a motion to a rig with motion_task_id: one skinned clip lasting the duration asked, 3 credits', async () => {
    const { api, finish } = await emulated();
    const preview = await api.createAt('/openapi/v2/text-to-3d', { mode: 'preview', prompt: 'a zombie' });
    finish();
    const rig = await api.createAt(RIG, { input_task_id: preview });
    const motion = await api.createAt(MOTION, { prompt: 'a zombie shamble', mode: 'swift', duration: 6 });
    // The motion must have SUCCEEDED.
    const early = await api.call('POST', ANIMATE, { rig_task_id: rig, motion_task_id: motion });
    expect(early.status).toBe(400);
    finish();
    const wrongType = await api.call('POST', ANIMATE, { rig_task_id: rig, motion_task_id: preview });
    expect(wrongType.body.message).toMatch(/motion_task_id must name a text-to-motion task/);
    const id = await api.createAt(ANIMATE, { rig_task_id: rig, motion_task_id: motion });
    finish();
    const task = await api.getAt(ANIMATE, id);
    expect(task).toMatchObject({ status: 'SUCCEEDED', consumed_credits: 3 });
    const bytes = (await download(task.result.animation_glb_url)).bytes;
    expect((await validateGlb(bytes)).messages).toEqual([]);
    const rigged = await inspectRig(bytes);
    expect(rigged.clips).toHaveLength(1);
    expect(rigged.hasIbm).toBe(true);
    const clip = rigged.document.getRoot().listAnimations()[0]!;
    expect(Math.max(...clip.listSamplers().map((sampler) => sampler.getInput()!.getMax([0])[0]!))).toBeCloseTo(6, 3);
  });

  it('answers the test-mode key with the sample, free', async () => {
    const { api, finish } = await emulated();
    const id = await api.createAt(MOTION, { prompt: 'a backflip', duration: 3, mode: 'swift' }, TEST_MODE_KEY);
    finish();
    expect(await api.getAt(MOTION, id, TEST_MODE_KEY)).toMatchObject({ prompt: 'a person waves hello', consumed_credits: 0, status: 'SUCCEEDED' });
  });
});
