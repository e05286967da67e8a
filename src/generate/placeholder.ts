import { type StoreLayout, writeContentCopy } from '../cache/index.js';
import { isImageSpec, type MeshySpec } from '../imports/index.js';
import type { ModelStats } from '../optimize/stats.js';
import type { ModelMeta, ModelResult } from './meta.js';
import { modelOf } from './raw.js';
import { type AssetOf, imageMeta, originOf } from './result.js';

/** Size and placement of a placeholder box, so that it stands where the real model will. */
export interface PlaceholderShape {
  /** Edge length. */
  size: number;
  /** `bottom`: resting on y = 0; `center`: centred on the origin. */
  origin: 'bottom' | 'center';
}

/** The shape of a model Meshy centres in about a 2-unit cube: the common case. */
const DEFAULT_SHAPE: PlaceholderShape = { size: 2, origin: 'center' };

/**
 * A stand-in model for one that is not generated yet (dev while Meshy works, dry runs): a box in a
 * flat magenta-grey, so it reads as "pending" in any scene. Tiny, valid glTF 2.0.
 */
async function placeholderGlb(shape: PlaceholderShape): Promise<{ bytes: Uint8Array; stats: ModelStats }> {
  const id = `${shape.size} ${shape.origin}`;
  let placeholder = placeholders.get(id);
  if (!placeholder) {
    placeholder = build(shape);
    placeholders.set(id, placeholder);
  }
  return placeholder;
}
const placeholders = new Map<string, Promise<{ bytes: Uint8Array; stats: ModelStats }>>();

/**
 * The box that best stands in for a spec's model: Meshy centres its models in about a 2-unit cube;
 * with `auto_size` they come in metres (size unknown: 1 m), resting on the ground unless `origin_at=center`.
 */
export function placeholderShapeFor(spec: MeshySpec): PlaceholderShape {
  const preview: Record<string, unknown> = spec.kind === 'prompt' ? spec.preview : spec.request;
  if (preview.auto_size) return { size: 1, origin: preview.origin_at === 'center' ? 'center' : 'bottom' };
  return DEFAULT_SHAPE;
}

async function build({ size, origin }: PlaceholderShape): Promise<{ bytes: Uint8Array; stats: ModelStats }> {
  // Loaded here: a project whose models are all stored never needs gltf-transform.
  const [{ Document, NodeIO }, { readModelStats }] = await Promise.all([import('@gltf-transform/core'), import('../optimize/stats.js')]);
  const half = size / 2;
  const lift = origin === 'bottom' ? half : 0;
  const document = new Document();
  const buffer = document.createBuffer();
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  // Six faces, four vertices each (flat normals).
  const faces: [number[], number[], number[]][] = [
    [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, -1],
    ],
    [
      [-1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    [
      [0, 1, 0],
      [0, 0, -1],
      [1, 0, 0],
    ],
    [
      [0, -1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ],
    [
      [0, 0, 1],
      [0, 1, 0],
      [1, 0, 0],
    ],
    [
      [0, 0, -1],
      [0, 1, 0],
      [-1, 0, 0],
    ],
  ];
  for (const [normal, up, right] of faces) {
    const base = positions.length / 3;
    for (const [u, v] of [
      [-1, -1],
      [1, -1],
      [1, 1],
      [-1, 1],
    ] as const) {
      positions.push(
        half * (normal[0]! + u * right[0]! + v * up[0]!),
        half * (normal[1]! + u * right[1]! + v * up[1]!) + lift,
        half * (normal[2]! + u * right[2]! + v * up[2]!),
      );
      normals.push(...normal);
    }
    indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
  }
  const material = document.createMaterial('meshy-placeholder').setBaseColorFactor([0.62, 0.45, 0.66, 1]).setRoughnessFactor(0.9).setMetallicFactor(0);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', document.createAccessor().setType('VEC3').setArray(new Float32Array(positions)).setBuffer(buffer))
    .setAttribute('NORMAL', document.createAccessor().setType('VEC3').setArray(new Float32Array(normals)).setBuffer(buffer))
    .setIndices(document.createAccessor().setType('SCALAR').setArray(new Uint16Array(indices)).setBuffer(buffer))
    .setMaterial(material);
  const mesh = document.createMesh('meshy-placeholder').addPrimitive(primitive);
  // `extras.meshyPlaceholder` lets a game tell the stand-in from a real model (three.js: userData).
  document.createScene('placeholder').addChild(document.createNode('meshy-placeholder').setMesh(mesh).setExtras({ meshyPlaceholder: true }));
  const bytes = await new NodeIO().writeBinary(document);
  return { bytes, stats: readModelStats(document) };
}

/** Writes the placeholder into the store's optimized level (content-addressed). */
async function storePlaceholder(layout: StoreLayout, shape: PlaceholderShape): Promise<{ path: string; stats: ModelStats; bytes: number }> {
  const { bytes, stats } = await placeholderGlb(shape);
  const path = await writeContentCopy(layout, bytes, 'glb');
  return { path, stats, bytes: bytes.byteLength };
}

/** A result for what is not generated yet: the box (or a grey image), `meta.status = 'pending'`, the spec's own fields. */
export async function pendingResult(layout: StoreLayout, spec: MeshySpec, key: string, credits: number, shape?: PlaceholderShape): Promise<ModelResult> {
  const asset: AssetOf = { spec, key, provenance: { model: modelOf(spec), taskIds: [], credits, emulated: false } };
  if (isImageSpec(spec)) {
    const bytes = await placeholderPng();
    const path = await writeContentCopy(layout, bytes, 'png');
    const size = PLACEHOLDER_IMAGE_SIZE;
    const meta = imageMeta(asset, { bytes: bytes.byteLength, width: size, height: size, mimeType: 'image/png', status: 'pending' });
    return { key, path, generated: false, meta };
  }
  const { path, stats, bytes } = await storePlaceholder(layout, shape ?? placeholderShapeFor(spec));
  const meta: ModelMeta = {
    ...originOf(asset),
    ...stats,
    rigged: Boolean(spec.rig),
    bytes,
    rawBytes: 0,
    optimization: {
      preset: false,
      trianglesBefore: stats.triangles,
      quality: { texturePsnrMin: null, texturePsnrMean: null, normalAngleDegMax: null, geometricError: 0 },
      gpuBytes: 0,
    },
    status: 'pending',
  };
  return { key, path, generated: false, meta };
}

const PLACEHOLDER_IMAGE_SIZE = 64;
let placeholderImage: Promise<Uint8Array> | undefined;

/** A flat grey square that stands in for an image not generated yet. */
function placeholderPng(): Promise<Uint8Array> {
  placeholderImage ??= import('sharp').then(({ default: sharp }) =>
    sharp({ create: { width: PLACEHOLDER_IMAGE_SIZE, height: PLACEHOLDER_IMAGE_SIZE, channels: 3, background: '#8a7f8a' } })
      .png()
      .toBuffer()
      .then((buffer) => new Uint8Array(buffer)),
  );
  return placeholderImage;
}
