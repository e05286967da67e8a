import type { MeshData } from './shape.js';
import type { Pixels } from './textures.js';

/** The default turn towards the camera; multi-view thumbnails pass 0, 90, 180 and 270 (https://docs.meshy.ai/en/api/image-to-3d). */
const DEFAULT_YAW_DEGREES = 35;
const PITCH = (20 * Math.PI) / 180;
const LIGHT = normalize([0.4, 0.7, 0.6]);
const BACKGROUND = 236;

/**
 * A small software render of the mesh (orthographic, z-buffered, Lambert-shaded) for
 * `thumbnail_url`; with `transparent` the background is see-through, as `alpha_thumbnail_url`.
 */
export function renderThumbnail(mesh: MeshData, color: readonly number[], size: number, transparent: boolean, yawDegrees = DEFAULT_YAW_DEGREES): Pixels {
  const yaw = (yawDegrees * Math.PI) / 180;
  const channels = transparent ? 4 : 3;
  const data = new Uint8Array(size * size * channels).fill(transparent ? 0 : BACKGROUND);
  const depth = new Float32Array(size * size).fill(-Infinity);
  const vertexCount = mesh.positions.length / 3;
  const screen = new Float32Array(vertexCount * 3);
  const light = new Float32Array(vertexCount);

  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (let v = 0; v < vertexCount; v++) {
    const [x, y, z] = view(mesh.positions, v, yaw);
    screen.set([x, y, z], v * 3);
    [minX, maxX, minY, maxY] = [Math.min(minX, x), Math.max(maxX, x), Math.min(minY, y), Math.max(maxY, y)];
    const [nx, ny, nz] = view(mesh.normals, v, yaw);
    light[v] = 0.3 + 0.7 * Math.max(0, nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2]);
  }
  const scale = (0.8 * size) / Math.max(maxX - minX, maxY - minY);
  for (let v = 0; v < vertexCount; v++) {
    screen[v * 3] = (screen[v * 3]! - (minX + maxX) / 2) * scale + size / 2;
    screen[v * 3 + 1] = size / 2 - (screen[v * 3 + 1]! - (minY + maxY) / 2) * scale;
  }

  const { indices } = mesh;
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [indices[t]!, indices[t + 1]!, indices[t + 2]!];
    const [ax, ay, az] = [screen[a * 3]!, screen[a * 3 + 1]!, screen[a * 3 + 2]!];
    const [bx, by, bz] = [screen[b * 3]!, screen[b * 3 + 1]!, screen[b * 3 + 2]!];
    const [cx, cy, cz] = [screen[c * 3]!, screen[c * 3 + 1]!, screen[c * 3 + 2]!];
    const area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
    if (Math.abs(area) < 1e-9) continue;
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
    const x1 = Math.min(size - 1, Math.ceil(Math.max(ax, bx, cx)));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
    const y1 = Math.min(size - 1, Math.ceil(Math.max(ay, by, cy)));
    for (let py = y0; py <= y1; py++) {
      for (let px = x0; px <= x1; px++) {
        const sx = px + 0.5;
        const sy = py + 0.5;
        const wa = ((bx - sx) * (cy - sy) - (by - sy) * (cx - sx)) / area;
        const wb = ((cx - sx) * (ay - sy) - (cy - sy) * (ax - sx)) / area;
        const wc = 1 - wa - wb;
        if (wa < 0 || wb < 0 || wc < 0) continue;
        const z = wa * az + wb * bz + wc * cz;
        const pixel = py * size + px;
        if (z <= depth[pixel]!) continue;
        depth[pixel] = z;
        const shade = wa * light[a]! + wb * light[b]! + wc * light[c]!;
        for (let ch = 0; ch < 3; ch++) data[pixel * channels + ch] = Math.min(255, Math.round(color[ch]! * shade));
        if (transparent) data[pixel * channels + 3] = 255;
      }
    }
  }
  return { data, size, channels };
}

/** Turns the model a little towards the camera, which looks down −z. */
function view(values: Float32Array, v: number, yaw: number): [number, number, number] {
  const [x, y, z] = [values[v * 3]!, values[v * 3 + 1]!, values[v * 3 + 2]!];
  const x1 = x * Math.cos(yaw) + z * Math.sin(yaw);
  const z1 = -x * Math.sin(yaw) + z * Math.cos(yaw);
  return [x1, y * Math.cos(PITCH) - z1 * Math.sin(PITCH), y * Math.sin(PITCH) + z1 * Math.cos(PITCH)];
}

function normalize([x, y, z]: [number, number, number]): [number, number, number] {
  const length = Math.hypot(x, y, z);
  return [x / length, y / length, z / length];
}
