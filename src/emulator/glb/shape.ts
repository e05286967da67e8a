import { createRandom, hash32 } from './random.js';

/**
 * A closed, star-shaped surface: a superellipsoid, bulged along its height and displaced by a few
 * smooth waves. The prompt picks the family (so one prompt keeps its silhouette), the seed the details.
 */
export interface Shape {
  /** Superellipsoid exponents: < 1 boxy, 1 round, > 1 pinched. */
  latitudeExponent: number;
  longitudeExponent: number;
  scale: [number, number, number];
  /** Widens/narrows the shape along its height, like a vase. */
  bulge: { amount: number; frequency: number; phase: number };
  /** Surface relief: sum of amplitude · sin(direction · p · frequency + phase). */
  waves: { direction: [number, number, number]; frequency: number; amplitude: number; phase: number }[];
}

export interface MeshData {
  positions: Float32Array;
  normals: Float32Array;
  /** xyz along +u (the longitude direction), w = handedness; needed by normal maps. */
  tangents: Float32Array;
  uvs: Float32Array;
  indices: Uint16Array | Uint32Array;
  triangleCount: number;
}

const FAMILIES = [
  { name: 'pebble', exponents: [1, 1], scale: [1, 0.8, 0.9], bulge: 0.05, relief: 0.06 },
  { name: 'crate', exponents: [0.35, 0.35], scale: [0.9, 0.8, 0.9], bulge: 0, relief: 0.02 },
  { name: 'pillar', exponents: [0.45, 1], scale: [0.45, 1, 0.45], bulge: 0.12, relief: 0.03 },
  { name: 'vase', exponents: [1, 1], scale: [0.6, 1, 0.6], bulge: 0.3, relief: 0.02 },
  { name: 'gem', exponents: [1.3, 1.2], scale: [0.8, 1, 0.8], bulge: 0, relief: 0.015 },
  { name: 'blob', exponents: [0.9, 0.8], scale: [1, 0.7, 0.8], bulge: 0.1, relief: 0.1 },
] as const;

export function shapeFor(prompt: string, seed: number): Shape {
  const family = FAMILIES[hash32('family', prompt) % FAMILIES.length]!;
  const random = createRandom(hash32('shape', prompt, seed));
  const jitter = (value: number, spread: number) => value * (1 + (random() * 2 - 1) * spread);
  const waves: Shape['waves'] = [];
  for (let k = 0; k < 5; k++) {
    const direction = normalize([random() * 2 - 1, random() * 2 - 1, random() * 2 - 1]);
    waves.push({
      direction,
      frequency: 2 + k * 2.5 + random() * 2,
      amplitude: (family.relief / (k + 1)) * (0.5 + random()),
      phase: random() * Math.PI * 2,
    });
  }
  return {
    latitudeExponent: jitter(family.exponents[0], 0.1),
    longitudeExponent: jitter(family.exponents[1], 0.1),
    scale: [jitter(family.scale[0], 0.15), jitter(family.scale[1], 0.15), jitter(family.scale[2], 0.15)],
    bulge: { amount: family.bulge * random(), frequency: 1 + random() * 2, phase: random() * Math.PI * 2 },
    waves,
  };
}

/**
 * Samples the shape on a latitude/longitude grid with `rings` latitude and `segments` longitude steps.
 * The seam column and the pole rows are duplicated for their UVs; the pole triangles that would be
 * degenerate are left out, so the mesh has exactly 2 · segments · (rings − 1) triangles.
 */
export function buildMesh(shape: Shape, targetTriangles: number): MeshData {
  const { rings, segments } = gridFor(targetTriangles);
  const columns = segments + 1;
  const vertexCount = (rings + 1) * columns;
  const positions = new Float32Array(vertexCount * 3);
  const uvs = new Float32Array(vertexCount * 2);

  for (let i = 0; i <= rings; i++) {
    const theta = (Math.PI * i) / rings;
    for (let j = 0; j <= segments; j++) {
      // j = segments uses the angle of j = 0 exactly, so the seam closes bit-for-bit.
      const phi = (2 * Math.PI * (j % segments)) / segments;
      const v = i * columns + j;
      const point = surfacePoint(shape, theta, phi, i === 0 || i === rings);
      positions.set(point, v * 3);
      uvs[v * 2] = j / segments;
      uvs[v * 2 + 1] = i / rings;
    }
  }

  const triangleCount = 2 * segments * (rings - 1);
  const indices = vertexCount > 65535 ? new Uint32Array(triangleCount * 3) : new Uint16Array(triangleCount * 3);
  let n = 0;
  for (let i = 0; i < rings; i++) {
    for (let j = 0; j < segments; j++) {
      const topLeft = i * columns + j;
      const topRight = topLeft + 1;
      const bottomLeft = topLeft + columns;
      const bottomRight = bottomLeft + 1;
      // Counter-clockwise seen from outside.
      if (i !== rings - 1) {
        indices[n++] = topLeft;
        indices[n++] = bottomRight;
        indices[n++] = bottomLeft;
      }
      if (i !== 0) {
        indices[n++] = topLeft;
        indices[n++] = topRight;
        indices[n++] = bottomRight;
      }
    }
  }

  const normals = smoothNormals(positions, indices, rings, segments);
  const tangents = longitudeTangents(normals, rings, segments);
  return { positions, normals, tangents, uvs, indices, triangleCount };
}

/** Grid size whose triangle count 2 · segments · (rings − 1) is closest to the target (±5% from 100 up). */
function gridFor(targetTriangles: number): { rings: number; segments: number } {
  const target = Math.max(12, targetTriangles);
  const bands = Math.max(2, Math.round(Math.sqrt(target / 4)));
  const segments = Math.max(3, Math.round(target / (2 * bands)));
  return { rings: bands + 1, segments };
}

function surfacePoint(shape: Shape, theta: number, phi: number, atPole: boolean): [number, number, number] {
  const signedPow = (value: number, exponent: number) => Math.sign(value) * Math.abs(value) ** exponent;
  const sinTheta = atPole ? 0 : Math.sin(theta);
  const ring = signedPow(sinTheta, shape.latitudeExponent);
  const bulge = 1 + shape.bulge.amount * Math.sin(shape.bulge.frequency * theta + shape.bulge.phase);
  const x = shape.scale[0] * ring * signedPow(Math.cos(phi), shape.longitudeExponent) * bulge;
  const y = shape.scale[1] * signedPow(Math.cos(theta), shape.latitudeExponent);
  const z = shape.scale[2] * ring * signedPow(Math.sin(phi), shape.longitudeExponent) * bulge;
  let relief = 1;
  for (const wave of shape.waves) {
    const along = wave.direction[0] * x + wave.direction[1] * y + wave.direction[2] * z;
    relief += wave.amplitude * Math.sin(along * wave.frequency + wave.phase);
  }
  return [x * relief, y * relief, z * relief];
}

/**
 * Area-weighted vertex normals, accumulated on the welded surface (seam column = first column, one
 * vertex per pole) so that duplicated vertices get the same normal and no seam shows.
 */
function smoothNormals(positions: Float32Array, indices: Uint16Array | Uint32Array, rings: number, segments: number): Float32Array {
  const columns = segments + 1;
  const vertexCount = positions.length / 3;
  const welded = new Uint32Array(vertexCount);
  for (let i = 0; i <= rings; i++) {
    for (let j = 0; j <= segments; j++) {
      const pole = i === 0 || i === rings;
      welded[i * columns + j] = i * columns + (pole ? 0 : j % segments);
    }
  }
  const sums = new Float64Array(vertexCount * 3);
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t]! * 3;
    const b = indices[t + 1]! * 3;
    const c = indices[t + 2]! * 3;
    const abx = positions[b]! - positions[a]!;
    const aby = positions[b + 1]! - positions[a + 1]!;
    const abz = positions[b + 2]! - positions[a + 2]!;
    const acx = positions[c]! - positions[a]!;
    const acy = positions[c + 1]! - positions[a + 1]!;
    const acz = positions[c + 2]! - positions[a + 2]!;
    const nx = aby * acz - abz * acy;
    const ny = abz * acx - abx * acz;
    const nz = abx * acy - aby * acx;
    for (const corner of [indices[t]!, indices[t + 1]!, indices[t + 2]!]) {
      const w = welded[corner]! * 3;
      sums[w] = sums[w]! + nx;
      sums[w + 1] = sums[w + 1]! + ny;
      sums[w + 2] = sums[w + 2]! + nz;
    }
  }
  const normals = new Float32Array(vertexCount * 3);
  for (let v = 0; v < vertexCount; v++) {
    const w = welded[v]! * 3;
    const sum: [number, number, number] = [sums[w]!, sums[w + 1]!, sums[w + 2]!];
    normals.set(Math.hypot(...sum) > 1e-12 ? normalize(sum) : [0, 1, 0], v * 3);
  }
  return normals;
}

/**
 * u grows with the longitude angle, so the tangent is the direction of increasing longitude,
 * (−sin φ, 0, cos φ), made perpendicular to the normal.
 */
function longitudeTangents(normals: Float32Array, rings: number, segments: number): Float32Array {
  const columns = segments + 1;
  const tangents = new Float32Array((rings + 1) * columns * 4);
  for (let v = 0; v < tangents.length / 4; v++) {
    const phi = (2 * Math.PI * ((v % columns) % segments)) / segments;
    const [nx, ny, nz] = [normals[v * 3]!, normals[v * 3 + 1]!, normals[v * 3 + 2]!];
    const [tx, tz] = [-Math.sin(phi), Math.cos(phi)];
    const along = nx * tx + nz * tz;
    const tangent: [number, number, number] = [tx - nx * along, -ny * along, tz - nz * along];
    tangents.set([...(Math.hypot(...tangent) > 1e-6 ? normalize(tangent) : perpendicular(nx, ny, nz)), 1], v * 4);
  }
  return tangents;
}

function perpendicular(x: number, y: number, z: number): [number, number, number] {
  return Math.abs(x) < 0.9 ? normalize([0, z, -y]) : normalize([-z, 0, x]);
}

function normalize([x, y, z]: [number, number, number]): [number, number, number] {
  const length = Math.hypot(x, y, z) || 1;
  return [x / length, y / length, z / length];
}
