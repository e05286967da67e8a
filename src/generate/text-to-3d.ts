import type { TaskRecord } from '../cache/index.js';
import { textTo3d, type TextTo3dTask } from '../meshy/index.js';
import type { PromptSpec } from '../spec/index.js';
import { runStage, type StageContext } from './stages.js';

export interface TextTo3DResult {
  /** The task whose GLB is the result (the refine, or the preview when untextured). */
  resultTask: TextTo3dTask;
  tasks: TaskRecord[];
}

/** Text to 3D: a preview (geometry), then, unless only geometry is wanted, a refine (textures). */
export async function runTextTo3D(spec: PromptSpec, context: StageContext, onPreview?: (task: TextTo3dTask) => void): Promise<TextTo3DResult> {
  const preview = await runStage('preview', textTo3d, { mode: 'preview', ...spec.preview }, context);
  if (!spec.refine) return { resultTask: preview.task, tasks: [preview.record] };
  onPreview?.(preview.task);
  const refine = await runStage('refine', textTo3d, { mode: 'refine', preview_task_id: preview.record.id, ...spec.refine }, context, {
    prompt: spec.preview.prompt,
  });
  return { resultTask: refine.task, tasks: [preview.record, refine.record] };
}
