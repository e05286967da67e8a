import { textTo3d, type MeshyClient } from '../meshy/index.js';
import type { TaskRecord } from '../cache/index.js';
import type { PromptSpec } from '../spec/index.js';

export interface StageEvent {
  stage: 'preview' | 'refine';
  taskId: string;
  status: string;
  progress: number;
}

export interface StageHooks {
  signal?: AbortSignal;
  onEvent?: (event: StageEvent) => void;
  /** Called as soon as Meshy has accepted a task (it is paid for from then on). */
  onTaskCreated?: (stage: 'preview' | 'refine', taskId: string) => void;
}

export interface TextTo3DResult {
  glbUrl: string;
  tasks: TaskRecord[];
}

/** Text to 3D: a preview (geometry), then, unless only geometry is wanted, a refine (textures). */
export async function runTextTo3D(spec: PromptSpec, client: MeshyClient, hooks: StageHooks = {}): Promise<TextTo3DResult> {
  const preview = await runStage('preview', { mode: 'preview', ...spec.preview }, client, hooks);
  if (!spec.refine) return { glbUrl: preview.glbUrl, tasks: [preview.record] };
  const refine = await runStage('refine', { mode: 'refine', preview_task_id: preview.record.id, ...spec.refine }, client, hooks);
  return { glbUrl: refine.glbUrl, tasks: [preview.record, refine.record] };
}

async function runStage(
  stage: 'preview' | 'refine',
  body: Record<string, unknown>,
  client: MeshyClient,
  hooks: StageHooks,
): Promise<{ glbUrl: string; record: TaskRecord }> {
  const createdAt = Date.now();
  const taskId = await client.createTask(textTo3d, body, { signal: hooks.signal });
  hooks.onTaskCreated?.(stage, taskId);
  hooks.onEvent?.({ stage, taskId, status: 'PENDING', progress: 0 });
  const task = await client.waitForTask(textTo3d, taskId, {
    signal: hooks.signal,
    onProgress: (update) => hooks.onEvent?.({ stage, taskId, status: update.status, progress: update.progress }),
  });
  const glbUrl = task.model_urls?.glb;
  if (!glbUrl) {
    throw new Error(`Meshy's ${stage} task ${taskId} succeeded without a GLB in model_urls`);
  }
  return {
    glbUrl,
    record: {
      stage,
      id: taskId,
      type: task.type,
      createdAt: task.created_at || createdAt,
      finishedAt: task.finished_at || Date.now(),
      credits: task.consumed_credits ?? 0,
    },
  };
}
