import { Document, NodeIO } from '@gltf-transform/core';
import { join } from 'node:path';
import { sha256, writeFileAtomic, type StoreLayout } from '../cache/index.js';
import { readModelStats, type ModelStats } from '../optimize/index.js';

/**
 * A stand-in model for one that is not generated yet (dev while Meshy works, dry runs): a unit
 * box in a flat magenta-grey, so it reads as "pending" in any scene. Tiny, valid glTF 2.0.
 */
export async function placeholderGlb(): Promise<{ bytes: Uint8Array; stats: ModelStats }> {
  placeholder ??= build();
  return placeholder;
}
let placeholder: Promise<{ bytes: Uint8Array; stats: ModelStats }> | undefined;

async function build(): Promise<{ bytes: Uint8Array; stats: ModelStats }> {
  const document = new Document();
  const buffer = document.createBuffer();
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  // Six faces, four vertices each (flat normals), from -0.5 to 0.5, resting on y = 0.
  const faces: [number[], number[], number[]][] = [
    [[1, 0, 0], [0, 1, 0], [0, 0, -1]],
    [[-1, 0, 0], [0, 1, 0], [0, 0, 1]],
    [[0, 1, 0], [0, 0, -1], [1, 0, 0]],
    [[0, -1, 0], [0, 0, 1], [1, 0, 0]],
    [[0, 0, 1], [0, 1, 0], [1, 0, 0]],
    [[0, 0, -1], [0, 1, 0], [-1, 0, 0]],
  ];
  for (const [normal, up, right] of faces) {
    const base = positions.length / 3;
    for (const [u, v] of [[-1, -1], [1, -1], [1, 1], [-1, 1]] as const) {
      positions.push(
        0.5 * (normal[0]! + u * right[0]! + v * up[0]!),
        0.5 * (normal[1]! + u * right[1]! + v * up[1]!) + 0.5,
        0.5 * (normal[2]! + u * right[2]! + v * up[2]!),
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
  document.createScene('placeholder').addChild(document.createNode('meshy-placeholder').setMesh(mesh));
  const bytes = await new NodeIO().writeBinary(document);
  return { bytes, stats: readModelStats(document) };
}

/** Writes the placeholder into the store's optimized level (content-addressed), once. */
export async function storePlaceholder(layout: StoreLayout): Promise<{ path: string; stats: ModelStats; bytes: number }> {
  const { bytes, stats } = await placeholderGlb();
  const path = join(layout.optimized, `${sha256(bytes)}.glb`);
  await writeFileAtomic(path, bytes, layout.tmp);
  return { path, stats, bytes: bytes.byteLength };
}
