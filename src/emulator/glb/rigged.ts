import { Document, type Node } from '@gltf-transform/core';
import { buildClip, type MotionFamily } from './clips.js';
import { buildHumanoid } from './humanoid.js';
import { writeGlb } from './io.js';
import { hash32 } from './random.js';
import { localTranslation, skeletonFor } from './skeleton.js';
import { encodePng, heightField, lookFor, paintMap } from './textures.js';

/** A rigged character as Meshy's rigging and animation results carry it (https://docs.meshy.ai/en/api/rigging, https://docs.meshy.ai/en/api/animation). */
export interface RiggedRequest {
  /** Colours the character (the prompt behind the rigged model). */
  look: string;
  seed: number;
  heightMeters: number;
  textureSize: number;
  /** Clips to include, in order. */
  clips: RiggedClip[];
  /** false: the armature only (`*_armature_glb_url`), no mesh. */
  withSkin: boolean;
}

/** A clip of the rig: `duration` and `seed` as buildClip takes them (a Text to Motion clip has both). */
export interface RiggedClip {
  name: string;
  family: MotionFamily;
  duration?: number;
  seed?: string;
}

export async function generateRiggedGlb(request: RiggedRequest): Promise<Uint8Array> {
  const joints = skeletonFor(request.heightMeters);
  const document = new Document();
  const buffer = document.createBuffer();
  const accessor = (type: 'SCALAR' | 'VEC2' | 'VEC3' | 'VEC4' | 'MAT4', array: Float32Array | Uint8Array | Uint16Array) =>
    document.createAccessor().setType(type).setArray(array).setBuffer(buffer);

  const nodes: Node[] = joints.map((joint, index) => document.createNode(joint.name).setTranslation(localTranslation(joints, index)));
  for (const [index, joint] of joints.entries()) if (joint.parent >= 0) nodes[joint.parent]!.addChild(nodes[index]!);
  const scene = document.createScene('Scene').addChild(nodes[0]!);
  document.getRoot().setDefaultScene(scene);

  if (request.withSkin) {
    // Rest pose has no rotations: each inverse bind matrix only undoes the joint's position.
    const inverseBind = new Float32Array(joints.length * 16);
    for (const [index, joint] of joints.entries()) {
      inverseBind.set([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -joint.position[0], -joint.position[1], -joint.position[2], 1], index * 16);
    }
    const skin = document.createSkin('Armature').setSkeleton(nodes[0]!).setInverseBindMatrices(accessor('MAT4', inverseBind));
    for (const node of nodes) skin.addJoint(node);

    const body = buildHumanoid(joints, request.heightMeters);
    const primitive = document
      .createPrimitive()
      .setAttribute('POSITION', accessor('VEC3', body.positions))
      .setAttribute('NORMAL', accessor('VEC3', body.normals))
      .setAttribute('TEXCOORD_0', accessor('VEC2', body.uvs))
      .setAttribute('JOINTS_0', accessor('VEC4', body.joints))
      .setAttribute('WEIGHTS_0', accessor('VEC4', body.weights))
      .setIndices(accessor('SCALAR', body.indices))
      .setMaterial(await characterMaterial(document, request));
    // A skinned mesh node sits at the root, untransformed: the joints place it.
    scene.addChild(document.createNode('Character').setMesh(document.createMesh('Character').addPrimitive(primitive)).setSkin(skin));
  }

  for (const clip of request.clips.map(({ name, family, ...variation }) => buildClip(joints, name, family, variation))) {
    const animation = document.createAnimation(clip.name);
    const input = accessor('SCALAR', clip.times);
    for (const track of clip.tracks) {
      const sampler = document
        .createAnimationSampler()
        .setInput(input)
        .setOutput(accessor(track.path === 'rotation' ? 'VEC4' : 'VEC3', track.values))
        .setInterpolation('LINEAR');
      animation
        .addSampler(sampler)
        .addChannel(document.createAnimationChannel().setTargetNode(nodes[track.joint]!).setTargetPath(track.path).setSampler(sampler));
    }
  }
  return writeGlb(document);
}

async function characterMaterial(document: Document, request: RiggedRequest) {
  const seed = hash32('character', request.seed, request.look);
  const pixels = paintMap('base_color', heightField(seed, request.textureSize), request.textureSize, lookFor(request.look), seed);
  const texture = document
    .createTexture('base_color')
    .setImage(await encodePng(pixels))
    .setMimeType('image/png');
  return document.createMaterial('Character').setBaseColorTexture(texture).setMetallicFactor(0).setRoughnessFactor(0.8);
}
