import { type FreeClip, freeClipOf, type MeshySpec } from '../imports/index.js';
import { animation, rigging, type TaskResource } from '../meshy/resources.js';
import type { BaseTask, RigTask } from '../meshy/schemas.js';
import { assembleClips, type ClipPick } from './clips.js';

export interface AnimatedDeps {
  /** The plan's tasks as they ended, by stage. */
  byStage: ReadonlyMap<string, BaseTask>;
  /** A task's result GLB, as `resource.resultUrl` finds it (a stale link is read again). */
  download(resource: TaskResource<BaseTask>, task: BaseTask): Promise<Uint8Array>;
  /** Buys library actions for free clips the rig did not return (https://docs.meshy.ai/en/api/rigging: `basic_animations` is optional). */
  buyFallback(actionIds: number[]): Promise<BaseTask>;
}

/** The rig's free clip of one kind, as a resource whose result is that GLB (with skin). */
function freeClipResource(clip: FreeClip): TaskResource<BaseTask> {
  return { ...rigging, resultUrl: (task) => (task as RigTask).result?.basic_animations?.[`${clip}_glb_url`] } as TaskResource<BaseTask>;
}

/**
 * The animated model: the clips the import asked for, in its order (library clips, then custom
 * ones), each named as written, in one GLB. The free clips come from the rig's `basic_animations`;
 * a rig that returned none has them bought from the library instead.
 */
export async function animatedModel(spec: MeshySpec, deps: AnimatedDeps): Promise<Uint8Array> {
  const rig = deps.byStage.get('rig') as RigTask;
  const missing = (spec.animations ?? []).filter((clip) => {
    const free = freeClipOf(clip);
    return free && !freeClipResource(free).resultUrl(rig);
  });
  const fallback = missing.length ? await deps.buyFallback(missing.map((clip) => clip.actionId)) : undefined;

  const sources: Promise<Uint8Array>[] = [];
  const sourceIndex = new Map<string, number>();
  const sourceOf = (key: string, load: () => Promise<Uint8Array>) => {
    if (!sourceIndex.has(key)) sourceIndex.set(key, sources.push(load()) - 1);
    return sourceIndex.get(key)!;
  };
  const picks: ClipPick[] = [];
  for (const clip of spec.animations ?? []) {
    const free = freeClipOf(clip);
    if (free && !missing.includes(clip)) {
      const resource = freeClipResource(free);
      picks.push({ source: sourceOf(free, () => deps.download(resource, rig)), from: '', to: clip.name });
    } else if (free) {
      picks.push({ source: sourceOf('fallback', () => deps.download(animation, fallback!)), from: clip.libraryName, to: clip.name });
    } else {
      picks.push({ source: sourceOf('animate', () => deps.download(animation, deps.byStage.get('animate')!)), from: clip.libraryName, to: clip.name });
    }
  }
  for (const motion of spec.motions ?? []) {
    const stage = `animate-${motion.name}`;
    picks.push({ source: sourceOf(stage, () => deps.download(animation, deps.byStage.get(stage)!)), from: '', to: motion.name });
  }
  return assembleClips(await Promise.all(sources), picks);
}
