/**
 * A Mixamo-like biped skeleton as Meshy's rigging makes it (https://docs.meshy.ai/en/api/rigging): 24 joints, Mixamo's names
 * without the `mixamorig` prefix. T-pose, Y up, facing +Z, so the character's left is +X.
 */
export interface Joint {
  name: string;
  /** Index of the parent joint; -1 for the root (Hips). */
  parent: number;
  /** Rest position in model space, metres. */
  position: [number, number, number];
}

/** The height the rest positions below are drawn for. */
export const REFERENCE_HEIGHT = 1.7;

type Side = 'Left' | 'Right';
type JointSpec = [name: string, parent: string | null, x: number, y: number, z: number];

const SPINE: JointSpec[] = [
  ['Hips', null, 0, 0.95, 0],
  ['Spine', 'Hips', 0, 1.05, 0],
  ['Spine1', 'Spine', 0, 1.17, 0],
  ['Spine2', 'Spine1', 0, 1.3, 0],
  ['Neck', 'Spine2', 0, 1.45, 0],
  ['Head', 'Neck', 0, 1.53, 0],
];

/** One side's arm and leg, x positive: the left side. */
const LIMB: JointSpec[] = [
  ['Shoulder', 'Spine2', 0.05, 1.4, 0],
  ['Arm', 'Shoulder', 0.17, 1.4, 0],
  ['ForeArm', 'Arm', 0.43, 1.4, 0],
  ['Hand', 'ForeArm', 0.67, 1.4, 0],
  ['UpLeg', 'Hips', 0.1, 0.9, 0],
  ['Leg', 'UpLeg', 0.1, 0.5, 0],
  ['Foot', 'Leg', 0.1, 0.09, 0],
  ['ToeBase', 'Foot', 0.1, 0.02, 0.11],
  ['Toe_End', 'ToeBase', 0.1, 0.02, 0.19],
];

function side(prefix: Side): JointSpec[] {
  const sign = prefix === 'Left' ? 1 : -1;
  return LIMB.map(([name, parent, x, y, z]) => [`${prefix}${name}`, parent === 'Spine2' || parent === 'Hips' ? parent : `${prefix}${parent}`, x * sign, y, z]);
}

const SPECS: JointSpec[] = [...SPINE, ...side('Left'), ...side('Right')];

/** The skeleton scaled to a character `heightMeters` tall (`height_meters`, default 1.7, https://docs.meshy.ai/en/api/rigging). */
export function skeletonFor(heightMeters: number): Joint[] {
  const scale = heightMeters / REFERENCE_HEIGHT;
  const names = SPECS.map(([name]) => name);
  return SPECS.map(([name, parent, x, y, z]) => ({ name, parent: parent === null ? -1 : names.indexOf(parent), position: [x * scale, y * scale, z * scale] }));
}

export function jointIndex(joints: readonly Joint[], name: string): number {
  const index = joints.findIndex((joint) => joint.name === name);
  if (index < 0) throw new Error(`no joint named ${name}`);
  return index;
}

/** A joint's rest translation relative to its parent (no rest rotations: the rig is in T-pose). */
export function localTranslation(joints: readonly Joint[], index: number): [number, number, number] {
  const joint = joints[index]!;
  const parent = joints[joint.parent];
  if (!parent) return joint.position;
  return [joint.position[0] - parent.position[0], joint.position[1] - parent.position[1], joint.position[2] - parent.position[2]];
}
