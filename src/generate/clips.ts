import type { NodeIO } from '@gltf-transform/core';
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
