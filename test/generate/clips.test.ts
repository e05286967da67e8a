import { NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { buildClip, type MotionFamily } from '../../src/emulator/glb/clips.js';
import { skeletonFor } from '../../src/emulator/glb/skeleton.js';
import { riggedGlb, SAMPLE_CHARACTER } from '../../src/emulator/rigging.js';
import { renameClips } from '../../src/generate/clips.js';
import { getDracoIO, getIO, usesDraco } from '../../src/optimize/io.js';

/** An animation task's GLB as the emulator makes it: the rigged character with one clip per action. */
function animatedGlb(clips: { name: string; family: MotionFamily }[]): Promise<Uint8Array> {
  return riggedGlb(SAMPLE_CHARACTER, 'small', clips, true).produce(() => Promise.reject(new Error('not needed')));
}

/** The clips of a GLB in file order, with their durations (seconds: the last keyframe of the longest track). */
async function listClips(glb: Uint8Array): Promise<{ name: string; duration: number }[]> {
  const io = usesDraco(glb) ? await getDracoIO() : await getIO();
  const animations = (await io.readBinary(glb)).getRoot().listAnimations();
  return animations.map((animation) => ({
    name: animation.getName(),
    duration: Math.max(0, ...animation.listSamplers().map((sampler) => sampler.getInput()?.getMax([])[0] ?? 0)),
  }));
}

const MESHY_CLIPS: { name: string; family: MotionFamily }[] = [
  { name: 'Casual_Walk_inplace', family: 'walk' },
  { name: 'Idle', family: 'idle' },
  { name: 'Regular_Jump', family: 'jump' },
];

async function structure(glb: Uint8Array) {
  const root = (await new NodeIO().readBinary(glb)).getRoot();
  return {
    skins: root.listSkins().map((skin) => skin.listJoints().length),
    skinnedMeshes: root.listNodes().filter((node) => node.getSkin() && node.getMesh()).length,
    channels: root.listAnimations().map((animation) => animation.listChannels().filter((channel) => channel.getTargetNode() && channel.getSampler()).length),
  };
}

describe('listClips', () => {
  it('lists the clips in file order with their durations', async () => {
    const clips = await listClips(await animatedGlb(MESHY_CLIPS));
    const joints = skeletonFor(SAMPLE_CHARACTER.heightMeters);
    expect(clips.map((clip) => clip.name)).toEqual(['Casual_Walk_inplace', 'Idle', 'Regular_Jump']);
    clips.forEach((clip, index) => {
      const expected = buildClip(joints, MESHY_CLIPS[index]!.name, MESHY_CLIPS[index]!.family).times.at(-1)!;
      expect(clip.duration).toBeGreaterThan(0.5);
      expect(clip.duration).toBeCloseTo(expected, 5);
    });
  });

  it('gives an empty list for a GLB without clips', async () => {
    expect(await listClips(await animatedGlb([]))).toEqual([]);
  });
});

describe('renameClips', () => {
  it('renames clips by their library name, keeping durations, skin and channels', async () => {
    const glb = await animatedGlb(MESHY_CLIPS);
    const renamed = await renameClips(glb, [
      // Out of order on purpose: names win over positions.
      { from: 'Regular_Jump', to: 'jump' },
      { from: 'Casual_Walk_inplace', to: 'walk' },
      { from: 'Idle', to: 'idle' },
    ]);
    const before = await listClips(glb);
    const after = await listClips(renamed);
    expect(after.map((clip) => clip.name)).toEqual(['walk', 'idle', 'jump']);
    expect(after.map((clip) => clip.duration)).toEqual(before.map((clip) => clip.duration));
    expect(await structure(renamed)).toEqual(await structure(glb));
    expect(await structure(renamed)).toMatchObject({
      skins: [expect.any(Number)],
      skinnedMeshes: 1,
      channels: [expect.any(Number), expect.any(Number), expect.any(Number)],
    });
  });

  it('matches names with an armature prefix or another case', async () => {
    const glb = await animatedGlb([
      { name: 'Armature|Idle', family: 'idle' },
      { name: 'regular_jump', family: 'jump' },
    ]);
    const renamed = await renameClips(glb, [
      { from: 'Regular_Jump', to: 'jump' },
      { from: 'Idle', to: 'idle' },
    ]);
    expect((await listClips(renamed)).map((clip) => clip.name)).toEqual(['idle', 'jump']);
  });

  it('falls back to the order of the actions for clips named otherwise', async () => {
    const glb = await animatedGlb([
      { name: 'Take 001', family: 'walk' },
      { name: 'Idle', family: 'idle' },
      { name: 'Take 002', family: 'jump' },
    ]);
    const renamed = await renameClips(glb, [
      { from: 'Casual_Walk_inplace', to: 'walk' },
      { from: 'Idle', to: 'idle' },
      { from: 'Regular_Jump', to: 'jump' },
    ]);
    expect((await listClips(renamed)).map((clip) => clip.name)).toEqual(['walk', 'idle', 'jump']);
  });

  it('leaves clips nobody asked for as they are', async () => {
    const renamed = await renameClips(await animatedGlb(MESHY_CLIPS), [{ from: 'Idle', to: 'idle' }]);
    expect((await listClips(renamed)).map((clip) => clip.name)).toEqual(['Casual_Walk_inplace', 'idle', 'Regular_Jump']);
  });
});
