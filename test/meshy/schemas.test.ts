import { describe, expect, it } from 'vitest';
import { animation, imageToImage, multiImageTo3d, rigging, textTo3d } from '../../src/meshy/resources.js';
import { streamUpdateSchema } from '../../src/meshy/schemas.js';
import { taskSchemaOf } from '../../src/meshy/task-schemas.js';

/** Issue 10: a field the plugin does not read never fails a task; one it reads takes a default when null or odd. */
describe('task schemas parse only what the plugin reads', () => {
  const base = { id: 't1', status: 'SUCCEEDED', created_at: 1 };

  it('passes unread fields through whatever they hold', () => {
    const odd = { texture_urls: [null, { base_color: null }], thumbnail_url: 42, mode: null, seed: 'x', art_style: [], brand_new: { a: 1 } };
    const task = taskSchemaOf(textTo3d).parse({ ...base, ...odd, model_urls: { glb: 'g', fbx: null, obj: 3 } });
    expect(task).toMatchObject(odd);
    expect(task.model_urls).toEqual({ glb: 'g', fbx: null, obj: 3 });
    expect(textTo3d.resultUrl(task)).toBe('g');
  });

  it('reads null where it reads, with a sensible default', () => {
    const task = taskSchemaOf(textTo3d).parse({
      ...base,
      progress: null,
      prompt: null,
      texture_prompt: null,
      task_error: { message: null, type: null },
      consumed_credits: null,
      preceding_tasks: null,
      finished_at: null,
      expires_at: 'soon',
      type: null,
      model_urls: { glb: null },
    });
    expect(task).toMatchObject({ progress: 0, finished_at: 0, expires_at: 0, task_error: { message: '' } });
    expect([task.prompt, task.texture_prompt, task.consumed_credits, task.preceding_tasks, task.type]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(textTo3d.resultUrl(task)).toBeUndefined();
    expect(taskSchemaOf(textTo3d).parse({ ...base, progress: 140 }).progress).toBe(100);
    expect(taskSchemaOf(textTo3d).parse({ ...base, task_error: 'boom', model_urls: 'nope' })).toMatchObject({ task_error: undefined, model_urls: undefined });
  });

  it('reads the result URLs of every resource through nulls', () => {
    expect(imageToImage.resultUrl(taskSchemaOf(imageToImage).parse({ ...base, image_urls: [null, '', 'img'] }))).toBe('img');
    expect(rigging.resultUrl(taskSchemaOf(rigging).parse({ ...base, result: { rigged_character_glb_url: 'r', basic_animations: null } }))).toBe('r');
    expect(animation.resultUrl(taskSchemaOf(animation).parse({ ...base, result: null }))).toBeUndefined();
    expect(taskSchemaOf(multiImageTo3d).parse({ ...base, texture_image_urls: [null] }).texture_image_urls).toBeUndefined();
  });

  it('still refuses what is not a task: no id, an unknown status', () => {
    expect(taskSchemaOf(textTo3d).safeParse({ status: 'SUCCEEDED' }).success).toBe(false);
    expect(taskSchemaOf(textTo3d).safeParse({ id: 't1', status: 'DONE' }).success).toBe(false);
    expect(streamUpdateSchema.safeParse({ status: 'IN_PROGRESS', progress: null })).toMatchObject({ success: true, data: { progress: 0 } });
  });

  it('a null echoed prompt never makes a listed task match a lost create', () => {
    const listed = taskSchemaOf(textTo3d).parse({ ...base, type: 'text-to-3d-preview', prompt: null });
    expect(textTo3d.matchesRequest(listed, { mode: 'preview', prompt: 'a lamp' })).toBe(false);
  });
});
