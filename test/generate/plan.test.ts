import { describe, expect, it } from 'vitest';
import { planCredits, planOf, reusableTaskId, savedCredits } from '../../src/generate/plan.js';
import { parseMeshyImport } from '../../src/imports/index.js';

const plan = (id: string) => planOf(parseMeshyImport(id).spec);

describe('planOf', () => {
  it('chains text to 3D, rigging and one animation task, priced from the table', () => {
    const steps = plan('meshy:prompt?text=a knight&animation=walk,idle,jump');
    expect(steps.map((step) => [step.stage, step.resource.name])).toEqual([
      ['preview', 'text-to-3d'],
      ['refine', 'text-to-3d'],
      ['rig', 'rigging'],
      ['animate', 'animation'],
    ]);
    expect(steps[2]!.links).toEqual({ input_task_id: 'refine' });
    expect(steps[3]!.links).toEqual({ rig_task_id: 'rig' });
    // `walk` is the rig's free clip (issue 14): only idle and jump are bought.
    expect(steps[3]!.body).toEqual({ action_ids: [0, 466] });
    expect(planCredits(steps)).toBe(20 + 10 + 5 + 2 * 3);
    expect(savedCredits(parseMeshyImport('meshy:prompt?text=a knight&animation=walk,idle,jump').spec)).toBe(3);
    // Any other spelling of the walk buys the library action.
    expect(plan('meshy:prompt?text=a knight&animation=Casual_Walk_inplace,idle,jump')[3]!.body).toEqual({ action_ids: [613, 0, 466] });
    expect(plan('meshy:prompt?text=a knight&animation=613,idle,jump')[3]!.body).toEqual({ action_ids: [613, 0, 466] });
  });

  it('buys no animation for the free clips alone, and two tasks per custom clip after the rig', () => {
    expect(plan('meshy:prompt?text=a knight&animation=walk,run').map((step) => step.stage)).toEqual(['preview', 'refine', 'rig']);
    const steps = plan('meshy:prompt?text=a knight&motion=a zombie shamble&motion_mode=prime&motion_duration=6.5&motion_name=shamble');
    expect(steps.slice(2).map((step) => [step.stage, step.resource.name, step.body, step.links])).toEqual([
      ['rig', 'rigging', {}, { input_task_id: 'refine' }],
      ['motion-shamble', 'text-to-motion', { prompt: 'a zombie shamble', mode: 'prime', duration: 6.5 }, undefined],
      ['animate-shamble', 'animation', {}, { rig_task_id: 'rig', motion_task_id: 'motion-shamble' }],
    ]);
    expect(planCredits(steps)).toBe(20 + 10 + 5 + 10 + 3);
    expect(planCredits(plan('meshy:prompt?text=a knight&motion=a zombie shamble'))).toBe(20 + 10 + 5 + 3 + 3);
  });

  it('prices image kinds by model and texturing', () => {
    expect(planCredits(plan('meshy:image?src=https://example.com/a.png'))).toBe(30);
    expect(planCredits(plan('meshy:image?src=https://example.com/a.png&should_texture=false'))).toBe(20);
    expect(planCredits(plan('meshy:image?src=https://example.com/a.png&ai_model=meshy-6-lite'))).toBe(15);
    expect(planCredits(plan('meshy:text-to-image?text=a cat&ai_model=nano-banana-pro'))).toBe(9);
    expect(planCredits(plan('meshy:remesh?src=https://example.com/a.glb&rig'))).toBe(5 + 5);
  });
});

describe('reusableTaskId', () => {
  const hour = 3600_000;
  const entry = (type: string, finishedAt: number) => ({
    tasks: [{ stage: 'generate', id: 'task-1', type, createdAt: finishedAt - 1000, finishedAt, credits: 5 }],
  });

  it('hands a generated input over by id while Meshy keeps it and the resource accepts its type', () => {
    const now = 100 * hour;
    expect(reusableTaskId('image-to-3d', 'image_url', entry('text-to-image', now - hour), now)).toBe('task-1');
    expect(reusableTaskId('retexture', 'model_url', entry('text-to-3d-refine', now - hour), now)).toBe('task-1');
    // Too old: Meshy keeps results 3 days, and the margin is 12 hours.
    expect(reusableTaskId('retexture', 'model_url', entry('text-to-3d-refine', now - 61 * hour), now)).toBeUndefined();
    // Retexture takes no animation task: the file is uploaded instead.
    expect(reusableTaskId('retexture', 'model_url', entry('animate', now - hour), now)).toBeUndefined();
    expect(reusableTaskId('image-to-3d', 'texture_image_url', entry('text-to-image', now - hour), now)).toBeUndefined();
  });
});
