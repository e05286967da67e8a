import type { Account } from './accounts.js';
import type { TaskFault } from './faults/index.js';
import type { Profile } from './glb/profiles.js';
import { hash32 } from './glb/random.js';
import type { Task, TaskSnapshot } from './tasks.js';

/**
 * The emulation of one Meshy task resource (text-to-3d, image-to-3d, remesh…; the client's view of
 * them is src/meshy/resources.ts). The server does everything shared: routes, auth, limits, credits,
 * the task clock, lists, deletes, SSE and signed downloads.
 */
export interface EmulatedResource {
  /** Collection path: create and list here, get/delete at `/:id`, SSE at `/:id/stream` (https://docs.meshy.ai/en/api/quick-start). */
  path: string;
  /** Whether its unfinished tasks count against the queue limit (https://docs.meshy.ai/en/api/rate-limits); true unless said otherwise. */
  queued?: boolean;
  /** Validates a create request; throws ApiError (400, 404…) when Meshy would refuse it. */
  plan(body: Record<string, unknown>, context: PlanContext): TaskPlan;
  /** The task object as GET, list, SSE and webhooks show it. */
  present(task: Task, context: PresentContext): Record<string, unknown>;
  /** One file under `/assets/<id>/output/`, if the task has it. */
  asset(task: Task, file: string, profile: Profile): AssetSource | undefined;
  /** https://docs.meshy.ai/en/api/authentication: the input with what it produces replaced by the fixed test-mode sample (test-mode.ts). */
  sample?(input: unknown): unknown;
  /** What a later task can take from this one's results (https://docs.meshy.ai/en/api/task-lifecycle chaining: input_task_id and friends). */
  outputs?(task: Task, profile: Profile): TaskOutputs;
}

export interface TaskOutputs {
  /** The prompt the result grew from ('' when none): chained results keep its look, and its markers. */
  prompt: string;
  model?: ModelInfo;
  /** How many images the task made (text/image to image). */
  imageCount?: number;
}

/** A task's main 3D result, or an uploaded model, as the chained resources see it. */
export interface ModelInfo {
  /** The GLB bytes; undefined for an upload the emulator cannot read (an https URL, OBJ/FBX/STL). */
  glb?: AssetSource;
  /** Faces as Meshy counts them: the requested budget, not the emulator's smaller profile. */
  faces: number;
  textured: boolean;
  hasUvs: boolean;
  /** Seeds procedural stand-ins when the bytes are unknown. */
  seed: number;
}

export interface PlanContext {
  account: Account;
  now: number;
  /** A task of the caller's own account, if it exists (https://docs.meshy.ai/en/api/task-lifecycle: chained tasks must be the caller's). */
  findTask(id: string): Task | undefined;
  /** What the given task's results offer to a chained task. */
  outputsOf(task: Task): TaskOutputs;
  profile: Profile;
}

export interface TaskPlan {
  type: string;
  /** The price (https://docs.meshy.ai/en/api/pricing). The server charges nothing for the test-mode key. */
  credits: number;
  seed: number;
  /** The resource's own, already validated view of the request. */
  input: unknown;
  /** The texts a fault rule and the `[emulator:fail]` marker look at. */
  prompt: string;
  texturePrompt: string;
  /** A failure the input itself causes (e.g. `model_missing_uv`, https://docs.meshy.ai/en/api/errors), shown once the task ends. */
  failure?: TaskFault;
}

export interface PresentContext {
  snapshot: TaskSnapshot;
  precedingTasks: number;
  /** A signed download URL for one of the task's files. */
  assetUrl(file: string): string;
}

export interface AssetSource {
  /** Equal keys mean equal bytes, so identical outputs are generated once. */
  cacheKey: string;
  /** Makes the bytes; `load` gets other files (e.g. the model a thumbnail shows) through the cache. */
  produce(load: LoadAsset): Promise<Uint8Array>;
}

export type LoadAsset = (source: AssetSource) => Promise<Uint8Array>;

/** The lifecycle fields every task object ends with (https://docs.meshy.ai/en/api/task-lifecycle, https://docs.meshy.ai/en/api/text-to-3d). */
export function lifecycleFields(task: Task, { snapshot, precedingTasks }: PresentContext): Record<string, unknown> {
  return {
    progress: snapshot.progress,
    status: snapshot.status,
    created_at: task.createdAt,
    started_at: snapshot.startedAt,
    finished_at: snapshot.finishedAt,
    expires_at: snapshot.expiresAt,
    preceding_tasks: precedingTasks,
    task_error: snapshot.status === 'FAILED' ? task.failure : { message: '' },
    // Charged at creation, refunded on failure (https://docs.meshy.ai/en/api/task-lifecycle).
    consumed_credits: snapshot.status === 'FAILED' ? 0 : task.credits,
  };
}

/** Meshy draws a random seed; the emulator derives it from the request so runs are reproducible. */
export function seedOf(...parts: unknown[]): number {
  return hash32('seed', JSON.stringify(parts)) % 1_000_000;
}
