import type { z } from 'zod';
import type { MESHY_RESOURCES, MeshyResourceName, TaskResource } from './resources.js';
import {
  animationTaskSchema,
  type BaseTask,
  imageTaskSchema,
  imageTo3dTaskSchema,
  motionTaskSchema,
  multiImageTo3dTaskSchema,
  remeshTaskSchema,
  retextureTaskSchema,
  rigTaskSchema,
  textTo3dTaskSchema,
} from './schemas.js';

type TaskOf<Name extends MeshyResourceName> = Extract<(typeof MESHY_RESOURCES)[number], { name: Name }> extends TaskResource<infer Task> ? Task : never;

/**
 * Each resource's task schema. Kept apart from resources.ts, which the import parser reads on every
 * build: building zod schemas is most of what loading them costs, and only a call to Meshy needs these.
 */
const TASK_SCHEMAS: { [Name in MeshyResourceName]: z.ZodType<TaskOf<Name>> } = {
  'text-to-3d': textTo3dTaskSchema,
  'image-to-3d': imageTo3dTaskSchema,
  'multi-image-to-3d': multiImageTo3dTaskSchema,
  remesh: remeshTaskSchema,
  retexture: retextureTaskSchema,
  rigging: rigTaskSchema,
  animation: animationTaskSchema,
  'text-to-motion': motionTaskSchema,
  'text-to-image': imageTaskSchema,
  'image-to-image': imageTaskSchema,
};

/** The schema of a resource's task objects. */
export function taskSchemaOf<Task extends BaseTask>(resource: TaskResource<Task>): z.ZodType<Task> {
  return TASK_SCHEMAS[resource.name as MeshyResourceName] as unknown as z.ZodType<Task>;
}
