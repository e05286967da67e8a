import type { z } from 'zod';
import { textTo3dTaskSchema, type BaseTask } from './schemas.js';

/**
 * A Meshy task resource: where it lives and what its task objects look like. Every resource shares
 * create / get / list / delete / stream under one path (reference §0).
 */
export interface TaskResource<Task extends BaseTask = BaseTask> {
  name: string;
  path: string;
  taskSchema: z.ZodType<Task>;
  /**
   * Whether a listed task is the one a create request with `body` would have made. Used to find out
   * whether a create whose answer was lost did reach Meshy, so it is never paid for twice.
   */
  matchesRequest(task: Task, body: Record<string, unknown>): boolean;
}

/** Text to 3D lives under v2; every other resource is v1 (§0). */
export const textTo3d: TaskResource<z.infer<typeof textTo3dTaskSchema>> = {
  name: 'text-to-3d',
  path: '/openapi/v2/text-to-3d',
  taskSchema: textTo3dTaskSchema,
  matchesRequest(task, body) {
    const expectedType = body.mode === 'refine' ? 'text-to-3d-refine' : 'text-to-3d-preview';
    if (task.type !== undefined && task.type !== expectedType) return false;
    // A refine echoes its preview's prompt and its texture prompt, not its preview id: a caller that
    // knows the preview's prompt passes it as `prompt` to tell refines of different models apart.
    if (body.prompt !== undefined && task.prompt !== body.prompt) return false;
    if (body.mode === 'refine') return (task.texture_prompt ?? '') === (body.texture_prompt ?? '');
    return true;
  },
};
