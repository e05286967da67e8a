import { readFile } from 'node:fs/promises';
import type { ManifestEntry, TaskRecord } from '../cache/index.js';
import { sha256 } from '../hash.js';
import { freeClipOf, type KindTask, kindTasks, type MeshySpec, type SourceInput } from '../imports/index.js';
import { taskCredits } from '../meshy/pricing.js';
import { animation, rigging, type TaskResource, textToMotion } from '../meshy/resources.js';
import type { BaseTask } from '../meshy/schemas.js';
import { runStage, type StageContext } from './stages.js';

/** One Meshy task of a generation: a task of the import's kind (see KindTask), or rigging and animation. */
export type PlanStep = KindTask;

/**
 * The tasks a spec needs, in order: pure, so the cost of a spec is known before anything runs.
 * After the rig: one animation task for the library clips (not `walk`/`run`, which the rig returns
 * free), then a Text to Motion task and the animation task applying it for each custom clip. A rig
 * that Meshy refuses (not a humanoid) so costs no motion.
 */
export function planOf(spec: MeshySpec): PlanStep[] {
  const steps = kindTasks(spec);
  if (spec.rig) {
    const model = steps.at(-1)!.stage;
    steps.push({ stage: 'rig', resource: rigging, body: { ...spec.rig }, links: { input_task_id: model } });
    const bought = (spec.animations ?? []).filter((clip) => !freeClipOf(clip));
    if (bought.length) {
      steps.push({ stage: 'animate', resource: animation, body: { action_ids: bought.map((clip) => clip.actionId) }, links: { rig_task_id: 'rig' } });
    }
    for (const motion of spec.motions ?? []) {
      const stage = motionStage(motion.name);
      steps.push(
        { stage, resource: textToMotion, body: { prompt: motion.prompt, mode: motion.mode, duration: motion.duration } },
        // A motion clip is applied alone: `motion_task_id` excludes `action_ids` (https://docs.meshy.ai/en/api/animation).
        { stage: `animate-${motion.name}`, resource: animation, body: {}, links: { rig_task_id: 'rig', motion_task_id: stage } },
      );
    }
  }
  return steps;
}

/** The stage of the Text to Motion task of the custom clip `name`; its animation task's is `animate-<name>`. */
function motionStage(name: string): string {
  return `motion-${name}`;
}

/** A spec whose clips come from more than one result (animated.ts): the rig's free clips, or Text to Motion clips. */
export function assemblesClips(spec: MeshySpec): boolean {
  return Boolean(spec.rig && (spec.motions?.length || spec.animations?.some((clip) => freeClipOf(clip))));
}

/** What the free clips of a spec's rig save, against buying them from the library (https://docs.meshy.ai/en/api/rigging). */
export function savedCredits(spec: MeshySpec): number {
  const free = spec.rig ? (spec.animations ?? []).filter((clip) => freeClipOf(clip)).length : 0;
  return free * taskCredits(animation.name, { action_ids: [0] });
}

/** What a spec is expected to cost, from the pricing table (https://docs.meshy.ai/en/api/pricing). */
export function planCredits(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, step) => sum + taskCredits(step.resource.name, step.body), 0);
}

/** A generated input, ready to hand over: its manifest entry and a way to read its bytes. */
export interface GeneratedSource {
  entry: ManifestEntry;
  read(): Promise<Uint8Array>;
  mimeType: string;
}

export interface PlanDeps {
  /** The result of another import used as an input (from the store, or generated first). */
  generated(spec: MeshySpec): Promise<GeneratedSource>;
  now?: () => number;
}

export interface PlanResult {
  /** The last task: its asset is the result. */
  resultTask: BaseTask;
  resultStep: PlanStep;
  tasks: TaskRecord[];
  /** Every task as it ended, by stage (an animated model's clips come from several). */
  byStage: Map<string, BaseTask>;
}

/**
 * Runs a plan's tasks in order, each through `runStage` (journaled, resumable). Each task hands its
 * slot in the account's Meshy queue to the next, which would otherwise wait behind new models.
 * `onStep` is told when a step other than the last has succeeded (a textured model's preview is
 * worth showing early).
 */
export async function runPlan(
  steps: readonly PlanStep[],
  context: StageContext,
  deps: PlanDeps,
  onStep?: (step: PlanStep, task: BaseTask) => void,
): Promise<PlanResult> {
  const done = new Map<string, TaskRecord>();
  const byStage = new Map<string, BaseTask>();
  let last: { task: BaseTask; step: PlanStep } | undefined;
  for (const [index, step] of steps.entries()) {
    const body: Record<string, unknown> = { ...step.body };
    for (const [field, stage] of Object.entries(step.links ?? {})) body[field] = done.get(stage)!.id;
    for (const [field, input] of Object.entries(step.inputs ?? {})) Object.assign(body, await mediaField(step.resource, field, input, deps));
    const previous = last?.task.id;
    const { task, record } = await runStage(step.stage, step.resource, body, context, {
      ...(step.echoed ? { echoed: step.echoed } : {}),
      // A model whose first task is done finishes sooner than a new one started in its place.
      priorityBoost: index > 0 ? 1 : 0,
      ...(previous === undefined ? {} : { after: previous }),
      handOver: index < steps.length - 1,
    });
    done.set(step.stage, record);
    byStage.set(step.stage, task);
    last = { task, step };
    if (index < steps.length - 1) onStep?.(step, task);
  }
  return { resultTask: last!.task, resultStep: last!.step, tasks: [...done.values()], byStage };
}

/**
 * Task types Meshy accepts as `input_task_id` in place of each resource's media field
 * (https://docs.meshy.ai/en/api/image-to-3d, https://docs.meshy.ai/en/api/remesh,
 * https://docs.meshy.ai/en/api/retexture): a generated input still within retention is handed over by id, with nothing uploaded.
 */
const INPUT_TASK_TYPES: Record<string, { field: string; types: string[] }> = {
  'image-to-3d': { field: 'image_url', types: ['text-to-image', 'image-to-image'] },
  retexture: { field: 'model_url', types: ['text-to-3d-preview', 'text-to-3d-refine', 'image-to-3d', 'remesh'] },
  remesh: { field: 'model_url', types: ['text-to-3d-preview', 'text-to-3d-refine', 'image-to-3d', 'retexture'] },
};
/** Meshy keeps results 3 days (https://docs.meshy.ai/en/api/asset-retention); a task this old is not trusted to be there any more. */
const TASK_REUSE_MS = 60 * 60 * 60 * 1000;

/** The task id that can stand for a generated input in `field` of `resource`, if Meshy still has it. */
export function reusableTaskId(resource: string, field: string, entry: Pick<ManifestEntry, 'tasks'>, now: number): string | undefined {
  const reuse = INPUT_TASK_TYPES[resource];
  const last = entry.tasks.at(-1);
  if (reuse?.field !== field || !last?.type || !reuse.types.includes(last.type)) return undefined;
  return now - (last.finishedAt ?? last.createdAt) < TASK_REUSE_MS ? last.id : undefined;
}

async function mediaField(
  resource: TaskResource<BaseTask>,
  field: string,
  input: SourceInput | SourceInput[],
  deps: PlanDeps,
): Promise<Record<string, unknown>> {
  if (Array.isArray(input)) return { [field]: await Promise.all(input.map((one) => mediaValue(one, deps))) };
  if (input.type === 'generated') {
    const source = await deps.generated(input.spec as MeshySpec);
    const taskId = reusableTaskId(resource.name, field, source.entry, deps.now?.() ?? Date.now());
    if (taskId) return { input_task_id: taskId };
  }
  return { [field]: await mediaValue(input, deps) };
}

async function mediaValue(input: SourceInput, deps: PlanDeps): Promise<string> {
  switch (input.type) {
    case 'url':
      return input.url;
    case 'file': {
      const bytes = await readFile(input.path);
      if (sha256(bytes) !== input.sha256) {
        throw new Error(`${input.shown} changed while the build was running; run it again`);
      }
      return `data:${input.mimeType};base64,${bytes.toString('base64')}`;
    }
    case 'generated': {
      const source = await deps.generated(input.spec as MeshySpec);
      return `data:${source.mimeType};base64,${Buffer.from(await source.read()).toString('base64')}`;
    }
  }
}

/** The generated imports a spec takes directly as inputs (not theirs: callers recurse when they need them). */
export function generatedInputsOf(spec: MeshySpec): MeshySpec[] {
  if (spec.kind === 'prompt') return [];
  return Object.values(spec.inputs)
    .flat()
    .flatMap((input) => (input.type === 'generated' ? [input.spec as MeshySpec] : []));
}
