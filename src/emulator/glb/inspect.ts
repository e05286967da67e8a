/**
 * A quick, synchronous look inside GLB bytes (header and JSON chunk only): enough for the checks
 * Meshy makes when a model is submitted, without decoding any buffer.
 */
export interface GlbSummary {
  faces: number;
  hasUvs: boolean;
  textured: boolean;
  /** Union of the POSITION bounds of the meshes (node transforms ignored). */
  min: [number, number, number];
  max: [number, number, number];
  extensionsRequired: string[];
}

interface GltfJson {
  meshes?: { primitives?: { attributes?: Record<string, number>; indices?: number; mode?: number }[] }[];
  accessors?: { count?: number; min?: number[]; max?: number[] }[];
  materials?: { pbrMetallicRoughness?: { baseColorTexture?: unknown } }[];
  extensionsRequired?: string[];
}

const GLB_MAGIC = 0x46546c67; // 'glTF'
const JSON_CHUNK = 0x4e4f534a; // 'JSON'

export function isGlb(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 12 && view(bytes).getUint32(0, true) === GLB_MAGIC;
}

/** The summary, or why the bytes are not a readable GLB. */
export function inspectGlb(bytes: Uint8Array): GlbSummary | { error: string } {
  if (!isGlb(bytes)) return { error: 'not a GLB file' };
  const data = view(bytes);
  if (data.getUint32(4, true) !== 2) return { error: 'not a glTF 2.0 GLB' };
  if (data.getUint32(8, true) > bytes.byteLength || bytes.byteLength < 20) return { error: 'the GLB is truncated' };
  const jsonLength = data.getUint32(12, true);
  if (data.getUint32(16, true) !== JSON_CHUNK || 20 + jsonLength > bytes.byteLength) return { error: 'the GLB has no JSON chunk' };
  let json: GltfJson;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + jsonLength))) as GltfJson;
  } catch {
    return { error: 'the GLB JSON chunk is not valid JSON' };
  }
  return summarize(json);
}

function summarize(json: GltfJson): GlbSummary | { error: string } {
  const accessors = json.accessors ?? [];
  const primitives = (json.meshes ?? []).flatMap((mesh) => mesh.primitives ?? []);
  if (primitives.length === 0) return { error: 'the model has no mesh' };
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  let faces = 0;
  for (const primitive of primitives) {
    const position = accessors[primitive.attributes?.POSITION ?? -1];
    if ((primitive.mode ?? 4) === 4) faces += Math.floor((accessors[primitive.indices ?? -1]?.count ?? position?.count ?? 0) / 3);
    for (let axis = 0; axis < 3; axis++) {
      min[axis] = Math.min(min[axis]!, position?.min?.[axis] ?? Infinity);
      max[axis] = Math.max(max[axis]!, position?.max?.[axis] ?? -Infinity);
    }
  }
  return {
    faces,
    hasUvs: primitives.some((primitive) => primitive.attributes?.TEXCOORD_0 !== undefined),
    textured: (json.materials ?? []).some((material) => material.pbrMetallicRoughness?.baseColorTexture !== undefined),
    min,
    max,
    extensionsRequired: json.extensionsRequired ?? [],
  };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
