import { type Accessor, Document } from '@gltf-transform/core';
import { getBounds, sparse } from '@gltf-transform/functions';
import { describe, expect, it } from 'vitest';
import { markSparse } from '../../src/optimize/pipeline.js';
import { sceneBounds } from '../../src/optimize/stats.js';

/** Meshes under rotated, scaled and translated nodes, with float, normalized int16 (indices skip a vertex) and normalized uint8 positions. */
function sceneDocument(): Document {
  const document = new Document();
  const buffer = document.createBuffer();
  const floatPositions = document
    .createAccessor()
    .setType('VEC3')
    .setBuffer(buffer)
    .setArray(new Float32Array([0, 0, 0, 1, 2, 3, -4, 5, 0.5]));
  const intPositions = document
    .createAccessor()
    .setType('VEC3')
    .setBuffer(buffer)
    .setNormalized(true)
    .setArray(new Int16Array([-32767, 0, 100, 32767, 20000, -5, 9, 9, 9, 30000, 30000, 30000]));
  const byteNormals = document
    .createAccessor()
    .setType('VEC3')
    .setBuffer(buffer)
    .setNormalized(true)
    .setArray(new Uint8Array([0, 255, 17, 200, 3, 90]));
  const indices = document
    .createAccessor()
    .setBuffer(buffer)
    .setArray(new Uint16Array([0, 1, 2]));
  const a = document.createMesh().addPrimitive(document.createPrimitive().setAttribute('POSITION', floatPositions));
  const b = document.createMesh().addPrimitive(document.createPrimitive().setAttribute('POSITION', intPositions).setIndices(indices));
  const parent = document.createNode().setRotation([0, 0.3826834, 0, 0.9238795]).setScale([2, 1, 0.5]).setTranslation([1, -2, 3]);
  parent.addChild(document.createNode().setMesh(a).setTranslation([0, 1, 0]));
  parent.addChild(document.createNode().setMesh(b).setRotation([Math.SQRT1_2, 0, 0, Math.SQRT1_2]));
  const c = document.createMesh().addPrimitive(document.createPrimitive().setAttribute('POSITION', byteNormals));
  document
    .createScene()
    .addChild(parent)
    .addChild(document.createNode().setMesh(a).setScale([3, 3, 3]))
    .addChild(document.createNode().setMesh(c).setTranslation([0, 0, 9]));
  return document;
}

describe('fast stand-ins for gltf-transform helpers', () => {
  it('sceneBounds matches getBounds', () => {
    const scene = sceneDocument().getRoot().listScenes()[0]!;
    const expected = getBounds(scene);
    const actual = sceneBounds(scene);
    for (let c = 0; c < 3; c++) {
      expect(actual.min[c]).toBeCloseTo(expected.min[c]!, 12);
      expect(actual.max[c]).toBeCloseTo(expected.max[c]!, 12);
    }
  });

  it('markSparse makes the same choices as sparse()', async () => {
    const arrays = [
      new Float32Array([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), // 1 of 4 elements non-zero: sparse
      new Float32Array([0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0]), // 2 of 4: dense
      new Float32Array([NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]), // NaN counts as zero: sparse
      new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]),
      new Float32Array(0),
    ];
    const choices = async (mark: boolean) => {
      const document = new Document();
      const accessors = arrays.map((array) => document.createAccessor().setType('VEC3').setArray(array.slice()));
      accessors[3]!.setSparse(true); // a dense accessor wrongly marked sparse is unmarked
      await document.transform(mark ? markSparse() : sparse());
      return accessors.map((accessor: Accessor) => accessor.getSparse());
    };
    expect(await choices(true)).toEqual(await choices(false));
    expect(await choices(true)).toEqual([true, false, true, false, false]);
  });
});
