import type { Accessor, Animation, AnimationSampler, Buffer, Document, Node, NodeIO } from '@gltf-transform/core';
import { getDracoIO, getIO, usesDraco } from '../optimize/io.js';

/** A clip Meshy named after a library action (https://docs.meshy.ai/en/api/animation), and the name the game will use for it. */
export interface ClipRename {
  /** The library action's name, e.g. `Regular_Jump`. */
  from: string;
  /** E.g. `jump`. */
  to: string;
}

/**
 * Renames the clips of an animation task's GLB so a game can write `actions.walk`. `renames` are
 * in the order of the task's `action_ids`, which is also the order of Meshy's clips: a clip named
 * after its library action is matched by that name, the rest by position among the unmatched.
 */
export async function renameClips(glb: Uint8Array, renames: readonly ClipRename[]): Promise<Uint8Array> {
  const io = await ioFor(glb);
  const document = await io.readBinary(glb);
  const animations = document.getRoot().listAnimations();
  const unmatched = new Set(animations);
  const leftOver: ClipRename[] = [];
  for (const rename of renames) {
    const animation = animations.find((candidate) => unmatched.has(candidate) && sameClipName(candidate.getName(), rename.from));
    if (animation) {
      animation.setName(rename.to);
      unmatched.delete(animation);
    } else {
      leftOver.push(rename);
    }
  }
  const byPosition = [...unmatched];
  for (const [index, rename] of leftOver.entries()) byPosition[index]?.setName(rename.to);
  return io.writeBinary(document);
}

/** Exporters may prefix clips with their armature (`Armature|Idle`) or change case. */
function sameClipName(clipName: string, libraryName: string): boolean {
  const key = (name: string) =>
    name
      .split('|')
      .pop()!
      .toLowerCase()
      .replace(/[\s_-]+/g, '');
  return key(clipName) === key(libraryName);
}

function ioFor(glb: Uint8Array): Promise<NodeIO> {
  return usesDraco(glb) ? getDracoIO() : getIO();
}

/**
 * One clip of an assembled GLB: the clip of `sources[source]` named `from` (a library action's
 * name; '' or no match: the source's next unclaimed clip, in order), renamed `to`.
 */
export interface ClipPick {
  source: number;
  from: string;
  to: string;
}

/**
 * One GLB from several results of the same rig (https://docs.meshy.ai/en/api/rigging, https://docs.meshy.ai/en/api/animation):
 * the first source's character, skeleton and skin, with exactly the picked clips, in the order
 * picked. The rig's results share their joints' names, so a clip's channels are moved over by
 * joint name; a channel whose joint the character lacks is left out.
 */
export async function assembleClips(sources: readonly Uint8Array[], picks: readonly ClipPick[]): Promise<Uint8Array> {
  const io = await ioFor(sources[0]!);
  const documents = await Promise.all(sources.map(async (bytes) => (await ioFor(bytes)).readBinary(bytes)));
  const chosen = choose(documents, picks);
  const base = documents[0]!;
  const root = base.getRoot();
  const buffer = root.listBuffers()[0] ?? base.createBuffer();
  const joints = new Map(root.listNodes().map((node) => [node.getName(), node]));
  const old = root.listAnimations();
  for (const [index, pick] of picks.entries()) copyClip(chosen[index]!, pick.to, { base, buffer, joints, sameDocument: pick.source === 0 });
  for (const animation of old) {
    for (const channel of animation.listChannels()) channel.dispose();
    for (const sampler of animation.listSamplers()) sampler.dispose();
    animation.dispose();
  }
  // The accessors only the dropped clips used.
  for (const accessor of root.listAccessors()) if (accessor.listParents().every((parent) => parent === root)) accessor.dispose();
  return io.writeBinary(base);
}

/** The animation each pick takes: by name within its source, then by position among the source's unclaimed clips. */
function choose(documents: readonly Document[], picks: readonly ClipPick[]): Animation[] {
  const chosen: (Animation | undefined)[] = picks.map(() => undefined);
  for (const [source, document] of documents.entries()) {
    const animations = document.getRoot().listAnimations();
    const unclaimed = new Set(animations);
    const leftOver: number[] = [];
    for (const [index, pick] of picks.entries()) {
      if (pick.source !== source) continue;
      const animation = animations.find((candidate) => unclaimed.has(candidate) && pick.from !== '' && sameClipName(candidate.getName(), pick.from));
      if (animation) {
        chosen[index] = animation;
        unclaimed.delete(animation);
      } else {
        leftOver.push(index);
      }
    }
    const rest = [...unclaimed];
    for (const [position, index] of leftOver.entries()) chosen[index] = rest[position];
  }
  return chosen.map((animation, index) => {
    if (!animation) throw new Error(`Meshy's result has no clip to make "${picks[index]!.to}" from`);
    return animation;
  });
}

interface CopyTarget {
  base: Document;
  buffer: Buffer;
  joints: Map<string, Node>;
  /** The clip is the base's own: its accessors are shared, not copied. */
  sameDocument: boolean;
}

function copyClip(from: Animation, name: string, { base, buffer, joints, sameDocument }: CopyTarget): void {
  const animation = base.createAnimation(name);
  const accessor = (source: Accessor | null): Accessor | null =>
    !source || sameDocument
      ? source
      : base
          .createAccessor(source.getName())
          .setType(source.getType())
          .setArray(source.getArray()!.slice())
          .setNormalized(source.getNormalized())
          .setBuffer(buffer);
  const samplers = new Map<AnimationSampler, AnimationSampler>();
  for (const channel of from.listChannels()) {
    const source = channel.getSampler();
    const joint = joints.get(channel.getTargetNode()?.getName() ?? '');
    const path = channel.getTargetPath();
    if (!source || !joint || !path) continue;
    let sampler = samplers.get(source);
    if (!sampler) {
      sampler = base
        .createAnimationSampler()
        .setInput(accessor(source.getInput()))
        .setOutput(accessor(source.getOutput()))
        .setInterpolation(source.getInterpolation());
      samplers.set(source, sampler);
      animation.addSampler(sampler);
    }
    animation.addChannel(base.createAnimationChannel().setTargetNode(joint).setTargetPath(path).setSampler(sampler));
  }
}
