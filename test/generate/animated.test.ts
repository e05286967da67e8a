import { NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { generateRiggedGlb } from '../../src/emulator/glb/rigged.js';
import { animatedModel } from '../../src/generate/animated.js';
import { parseMeshyImport } from '../../src/imports/index.js';
import type { TaskResource } from '../../src/meshy/resources.js';
import type { BaseTask } from '../../src/meshy/schemas.js';

/** Rig results as GLBs of one character, by URL: the clips each holds, named as Meshy names them. */
const character = { look: 'a scout', seed: 7, heightMeters: 1.7, textureSize: 16, withSkin: true };
const files: Record<string, { name: string; family: 'walk' | 'run' | 'idle' | 'jump' }[]> = {
  walking: [{ name: 'Walking', family: 'walk' }],
  running: [{ name: 'Running', family: 'run' }],
  library: [
    { name: 'Idle', family: 'idle' },
    { name: 'Regular_Jump', family: 'jump' },
  ],
  fallback: [{ name: 'Casual_Walk_inplace', family: 'walk' }],
};
const task = (id: string, result: unknown) => ({ id, status: 'SUCCEEDED', progress: 100, created_at: 0, finished_at: 0, expires_at: 0, result }) as BaseTask;

async function assemble(id: string, rigResult: Record<string, unknown>) {
  const spec = parseMeshyImport(id).spec;
  const byStage = new Map<string, BaseTask>([
    ['rig', task('rig', rigResult)],
    ['animate', task('animate', { animation_glb_url: 'library' })],
  ]);
  const downloaded: string[] = [];
  const bought: number[][] = [];
  const bytes = await animatedModel(spec, {
    byStage,
    download: async (resource: TaskResource<BaseTask>, from: BaseTask) => {
      const url = resource.resultUrl(from)!;
      downloaded.push(url);
      return generateRiggedGlb({ ...character, clips: files[url]! });
    },
    buyFallback: async (actionIds) => {
      bought.push(actionIds);
      return task('animate-free', { animation_glb_url: 'fallback' });
    },
  });
  const document = await new NodeIO().readBinary(bytes);
  const clips = document.getRoot().listAnimations();
  return {
    clips: clips.map((clip) => clip.getName()),
    channels: clips.map((clip) => clip.listChannels().length),
    skins: document.getRoot().listSkins().length,
    downloaded,
    bought,
  };
}

describe('animatedModel', () => {
  it('takes walk and run from the rig’s free clips and the rest from the library task, in the order written', async () => {
    const result = await assemble('meshy:prompt?text=a scout&animation=jump,walk,idle,run', {
      basic_animations: { walking_glb_url: 'walking', running_glb_url: 'running' },
    });
    expect(result.clips).toEqual(['jump', 'walk', 'idle', 'run']);
    expect(result.channels.every((count) => count > 10)).toBe(true); // every bone track moved over
    expect(result.skins).toBe(1);
    expect(result.bought).toEqual([]);
    expect(result.downloaded.sort()).toEqual(['library', 'running', 'walking']);
  });

  it('buys the library action for a free clip the rig did not return', async () => {
    const result = await assemble('meshy:prompt?text=a scout&animation=walk,idle', { rigged_character_glb_url: 'character' });
    expect(result.bought).toEqual([[613]]);
    expect(result.clips).toEqual(['walk', 'idle']);
    expect(result.downloaded.sort()).toEqual(['fallback', 'library']);
  });
});
