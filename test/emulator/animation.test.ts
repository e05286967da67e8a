import { describe, expect, it } from 'vitest';
import { validateGlb } from '../helpers/validate.js';
import { download, fakeClock, inspectRig, useEmulator } from './helpers.js';

const RIG = '/openapi/v1/rigging';
const ANIMATE = '/openapi/v1/animations';

async function riggedCharacter() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
  const finish = () => clock.advance(100);
  const preview = await api.create({ mode: 'preview', prompt: 'a dancer' });
  finish();
  const rig = await api.createAt(RIG, { input_task_id: preview });
  finish();
  return { api, finish, rig };
}

describe('animation (https://docs.meshy.ai/en/api/animation)', () => {
  it('text to 3D → rig → animate: one file, one clip per action named after the library, 3 credits each', async () => {
    const { api, finish, rig } = await riggedCharacter();
    const id = await api.createAt(ANIMATE, { rig_task_id: rig, action_ids: [0, 466, 4], post_process: { operation_type: 'change_fps', fps: 60 } });
    expect(await api.getAt(ANIMATE, id)).toMatchObject({ type: 'animate', result: null, consumed_credits: 9 });
    finish();
    const task = await api.getAt(ANIMATE, id);
    expect(task.status).toBe('SUCCEEDED');
    expect(Object.keys(task.result)).toEqual(['animation_glb_url', 'animation_fbx_url', 'processed_animation_fps_fbx_url']);
    expect(task.result.animation_glb_url).toContain('/output/Animation_Idle_withSkin.glb?');
    expect(task.result.processed_animation_fps_fbx_url).toContain('/output/processed_60fps.fbx?');
    const bytes = (await download(task.result.animation_glb_url)).bytes;
    const report = await validateGlb(bytes);
    expect(report.messages).toEqual([]);
    const animated = await inspectRig(bytes);
    expect(animated.joints).toHaveLength(24);
    expect(animated.clips).toEqual(['Idle', 'Regular_Jump', 'Attack']);
    expect((await download(task.result.processed_animation_fps_fbx_url)).status).toBe(200);
    expect(api.emulator.stats().creditsCharged).toBe(20 + 5 + 9);
  });

  it('takes a single action_id and adds the post-processing URL asked for', async () => {
    const { api, finish, rig } = await riggedCharacter();
    const id = await api.createAt(ANIMATE, { rig_task_id: rig, action_id: 28, post_process: { operation_type: 'fbx2usdz' } });
    finish();
    const { result, consumed_credits } = await api.getAt(ANIMATE, id);
    expect(consumed_credits).toBe(3);
    expect(Object.keys(result)).toEqual(['animation_glb_url', 'animation_fbx_url', 'processed_usdz_url']);
    expect(result.animation_glb_url).toContain('Animation_Big_Wave_Hello_withSkin.glb');
  });

  it('refuses bad rigs (404 when unknown), actions and post-processing', async () => {
    const { api, rig } = await riggedCharacter();
    const preview = (await api.call('GET', '/openapi/v2/text-to-3d')).body[0].id;
    const unknown = await api.call('POST', ANIMATE, { rig_task_id: '01a07f5e-81c7-7111-86f2-f6d2f80b2093', action_id: 0 });
    expect(unknown.status).toBe(404);
    const motion = await api.call('POST', ANIMATE, { rig_task_id: rig, motion_task_id: '01a07f5e-81c7-7111-86f2-f6d2f80b2093' });
    expect(motion.status).toBe(404);
    for (const [body, message] of [
      [{ action_id: 0 }, /^rig_task_id is required/],
      [{ rig_task_id: rig }, /^action_id, action_ids or motion_task_id is required$/],
      [{ rig_task_id: rig, action_id: 0, action_ids: [1] }, /give only one of/],
      [{ rig_task_id: preview, action_id: 0 }, /rig_task_id must name a rig task/],
      [{ rig_task_id: rig, action_id: 332 }, /^action_id 332 is not in the animation library$/],
      [{ rig_task_id: rig, action_ids: [] }, /action_ids must hold 1 to 10 actions \(got 0\)/],
      [{ rig_task_id: rig, action_ids: Array.from({ length: 11 }, (_, i) => i) }, /got 11/],
      [{ rig_task_id: rig, action_ids: [1, 1] }, /action_ids must be distinct/],
      [{ rig_task_id: rig, action_id: 1.5 }, /^action_id must be an integer/],
      [{ rig_task_id: rig, action_id: 0, post_process: {} }, /^post_process\.operation_type is required/],
      [{ rig_task_id: rig, action_id: 0, post_process: { operation_type: 'change_fps', fps: 48 } }, /post_process\.fps must be one of 24, 25, 30, 60/],
    ] as const) {
      const response = await api.call('POST', ANIMATE, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
  });

  it('serves the library catalogue (GET /openapi/v1/animations/library), filterable by category', async () => {
    const { api } = await riggedCharacter();
    const all = await api.call('GET', '/openapi/v1/animations/library');
    expect(all.status).toBe(200);
    expect(all.body).toHaveLength(678);
    expect(all.body[0]).toEqual({
      action_id: 0,
      name: 'Idle',
      category: 'DailyActions',
      sub_category: 'Idle',
      preview_url: 'https://cdn.meshy.ai/webapp-assets/feature-demo/animation/preview/biped/Idle.gif',
    });
    const dancing = (await api.call('GET', '/openapi/v1/animations/library?category=Dancing')).body;
    expect(dancing.length).toBeGreaterThan(0);
    expect(dancing.every((action: { category: string }) => action.category === 'Dancing')).toBe(true);
    expect((await api.call('GET', '/openapi/v1/animations/library', undefined, { key: null })).status).toBe(401);
  });
});
