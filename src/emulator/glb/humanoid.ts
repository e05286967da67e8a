import { type Joint, jointIndex, REFERENCE_HEIGHT } from './skeleton.js';

/**
 * A procedural humanoid body for the skeleton: one tapered, capped tube per bone, skinned to that
 * bone and, near its start, blended with the parent bone so joints bend smoothly.
 */
export interface SkinnedMeshData {
  positions: Float32Array;
  normals: Float32Array;
  uvs: Float32Array;
  joints: Uint8Array;
  weights: Float32Array;
  indices: Uint16Array;
}

/** [bone, end (a joint name, or a model-space point at reference height), start radius, end radius]. */
type Part = [bone: string, end: string | [number, number, number], r0: number, r1: number];

const PARTS: Part[] = [
  ['Hips', 'Spine', 0.14, 0.13],
  ['Spine', 'Spine1', 0.13, 0.13],
  ['Spine1', 'Spine2', 0.13, 0.15],
  ['Spine2', 'Neck', 0.15, 0.08],
  ['Neck', 'Head', 0.05, 0.05],
  ['Head', [0, 1.76, 0.01], 0.1, 0.09],
  ...(['Left', 'Right'] as const).flatMap((side): Part[] => {
    const sign = side === 'Left' ? 1 : -1;
    return [
      [`${side}Shoulder`, `${side}Arm`, 0.05, 0.05],
      [`${side}Arm`, `${side}ForeArm`, 0.05, 0.04],
      [`${side}ForeArm`, `${side}Hand`, 0.04, 0.035],
      [`${side}Hand`, [0.84 * sign, 1.4, 0], 0.035, 0.02],
      [`${side}UpLeg`, `${side}Leg`, 0.075, 0.055],
      [`${side}Leg`, `${side}Foot`, 0.05, 0.04],
      [`${side}Foot`, `${side}ToeBase`, 0.045, 0.04],
      [`${side}ToeBase`, `${side}Toe_End`, 0.04, 0.025],
    ];
  }),
];

const RINGS = 5;
const SEGMENTS = 10;

export function buildHumanoid(joints: readonly Joint[], heightMeters: number): SkinnedMeshData {
  const scale = heightMeters / REFERENCE_HEIGHT;
  const positions: number[] = [];
  const normals: number[] = [];
  const uvs: number[] = [];
  const jointIndices: number[] = [];
  const weights: number[] = [];
  const indices: number[] = [];

  PARTS.forEach(([boneName, end, r0, r1], partIndex) => {
    const bone = jointIndex(joints, boneName);
    const parent = joints[bone]!.parent;
    const start = joints[bone]!.position;
    const stop =
      typeof end === 'string' ? joints[jointIndex(joints, end)]!.position : ([end[0] * scale, end[1] * scale, end[2] * scale] as [number, number, number]);
    const axis = normalize(sub(stop, start));
    const u = normalize(Math.abs(axis[1]) < 0.9 ? cross(axis, [0, 1, 0]) : cross(axis, [1, 0, 0]));
    const v = cross(axis, u);
    const base = positions.length / 3;
    const vertex = (point: number[], normal: number[], uv: [number, number], t: number) => {
      positions.push(...point);
      normals.push(...normal);
      uvs.push(...uv);
      // Half parent, half own at the start of a bone, own alone from a third of the way on.
      const parentWeight = parent < 0 ? 0 : 0.5 * (1 - smoothstep(0, 0.34, t));
      // Unused slots are joint 0 with weight 0, as glTF asks.
      jointIndices.push(bone, parentWeight > 0 ? parent : 0, 0, 0);
      weights.push(1 - parentWeight, parentWeight, 0, 0);
    };
    const vRow = (t: number): number => (partIndex + t) / PARTS.length;
    for (let ring = 0; ring <= RINGS; ring++) {
      const t = ring / RINGS;
      const radius = (r0 + (r1 - r0) * t) * scale;
      const centre = lerp(start, stop, t);
      for (let segment = 0; segment <= SEGMENTS; segment++) {
        const angle = (2 * Math.PI * (segment % SEGMENTS)) / SEGMENTS;
        const normal = add(scaled(u, Math.cos(angle)), scaled(v, Math.sin(angle)));
        vertex(add(centre, scaled(normal, radius)), normal, [segment / SEGMENTS, vRow(t)], t);
      }
    }
    const startCap = positions.length / 3;
    vertex(start, scaled(axis, -1), [0.5, vRow(0)], 0);
    const endCap = positions.length / 3;
    vertex(stop, axis, [0.5, vRow(1)], 1);

    const at = (ring: number, segment: number) => base + ring * (SEGMENTS + 1) + segment;
    for (let ring = 0; ring < RINGS; ring++) {
      for (let segment = 0; segment < SEGMENTS; segment++) {
        // Counter-clockwise seen from outside.
        indices.push(at(ring, segment), at(ring, segment + 1), at(ring + 1, segment + 1));
        indices.push(at(ring, segment), at(ring + 1, segment + 1), at(ring + 1, segment));
      }
    }
    for (let segment = 0; segment < SEGMENTS; segment++) {
      indices.push(startCap, at(0, segment + 1), at(0, segment));
      indices.push(endCap, at(RINGS, segment), at(RINGS, segment + 1));
    }
  });

  return {
    positions: Float32Array.from(positions),
    normals: Float32Array.from(normals),
    uvs: Float32Array.from(uvs),
    joints: Uint8Array.from(jointIndices),
    weights: Float32Array.from(weights),
    indices: Uint16Array.from(indices),
  };
}

type Vec3 = [number, number, number];
const sub = (a: readonly number[], b: readonly number[]): Vec3 => [a[0]! - b[0]!, a[1]! - b[1]!, a[2]! - b[2]!];
const add = (a: readonly number[], b: readonly number[]): Vec3 => [a[0]! + b[0]!, a[1]! + b[1]!, a[2]! + b[2]!];
const scaled = (a: readonly number[], s: number): Vec3 => [a[0]! * s, a[1]! * s, a[2]! * s];
const lerp = (a: readonly number[], b: readonly number[], t: number): Vec3 => add(a, scaled(sub(b, a), t));
const cross = (a: readonly number[], b: readonly number[]): Vec3 => [
  a[1]! * b[2]! - a[2]! * b[1]!,
  a[2]! * b[0]! - a[0]! * b[2]!,
  a[0]! * b[1]! - a[1]! * b[0]!,
];
function normalize(a: readonly number[]): Vec3 {
  const length = Math.hypot(a[0]!, a[1]!, a[2]!) || 1;
  return [a[0]! / length, a[1]! / length, a[2]! / length];
}
function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}
