import { Document, NodeIO, type Primitive } from '@gltf-transform/core';
import { simplify } from '@gltf-transform/functions';
import { MeshoptSimplifier } from 'meshoptimizer/simplifier';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { optimizeGlb, optimizeOptionsSchema, PRESETS } from '../../src/optimize/index.js';
import { simplifyMeshes } from '../../src/optimize/simplify.js';
import { compareImages, rasterizeUvMask } from '../../src/optimize/texels.js';

const SIZE = 256;
/** Two UV charts covering about a fifth of the texture; the rest is texels no UV reaches. */
const CHARTS = new Float32Array([0.05, 0.05, 0.6, 0.05, 0.05, 0.6, 0.7, 0.7, 0.95, 0.7, 0.7, 0.95]);

/** The whole texture, as two triangles. */
const FULL = new Float32Array([0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1]);

/** A GLB with one textured two-triangle mesh (UVs `charts`) whose baseColor JPEG is `texel(x, y, c, used)`. */
async function chartedGlb(texel: (x: number, y: number, c: number, used: boolean) => number, charts = CHARTS): Promise<Uint8Array> {
  const mask = rasterizeUvMask([charts], SIZE, SIZE, 0);
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < SIZE * SIZE; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = texel(i % SIZE, Math.floor(i / SIZE), c, mask[i] === 1);
  const jpeg = await sharp(data, { raw: { width: SIZE, height: SIZE, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  const document = new Document();
  const buffer = document.createBuffer();
  const accessor = (type: 'VEC2' | 'VEC3', array: Float32Array) => document.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const positions = new Float32Array((12 * 3) / 2);
  for (let v = 0; v < 6; v++) positions.set([charts[v * 2]!, charts[v * 2 + 1]!, v >= 3 ? 0.1 : 0], v * 3);
  const texture = document.createTexture('atlas').setImage(new Uint8Array(jpeg)).setMimeType('image/jpeg');
  const material = document.createMaterial('m').setBaseColorTexture(texture);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', positions))
    .setAttribute('TEXCOORD_0', accessor('VEC2', charts.slice()))
    .setMaterial(material);
  document.createScene().addChild(document.createNode('n').setMesh(document.createMesh('m').addPrimitive(primitive)));
  return new NodeIO().writeBinary(document);
}

async function textureOf(glb: Uint8Array, fillUnusedTexels: boolean) {
  const result = await optimizeGlb(glb, optimizeOptionsSchema.parse({ fillUnusedTexels }));
  const [texture] = result.report.textures;
  return texture!;
}

describe('the fill of unused texels is kept only where it pays', () => {
  it('fills noise no UV reaches', async () => {
    let seed = 11;
    const noise = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    const glb = await chartedGlb((x, y, c, used) => (used ? 90 + c * 40 + ((x + y) % 16) : noise()));
    const [filled, unfilled] = [await textureOf(glb, true), await textureOf(glb, false)];
    expect(filled.unusedTexelsFilled).toBe(true);
    expect(filled.after.bytes).toBeLessThan(unfilled.after.bytes / 3);
    expect(filled.psnr).toBeGreaterThan(30);
  });

  it('leaves a regular pattern that the fill would only break up (as in dilated AI atlases)', async () => {
    const glb = await chartedGlb((x) => ((x >> 2) & 1 ? 220 : 30));
    const [chosen, unfilled] = [await textureOf(glb, true), await textureOf(glb, false)];
    expect(chosen.unusedTexelsFilled).toBe(false);
    expect(unfilled.unusedTexelsFilled).toBeUndefined();
    // The same image as with the fill turned off.
    expect(chosen.after.bytes).toBe(unfilled.after.bytes);
    expect(chosen.psnr).toBe(unfilled.psnr);
  });
});

/**
 * A smooth, gently curved grid (a cap of a sphere of radius 4 over a 2×2 square) whose normals turn a
 * fraction of a degree off the geometric ones, as baked or generated normals do.
 */
function curvedGrid(document: Document, cells: number, turn = 0.01): Primitive {
  let seed = 5;
  const jitter = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * turn;
  const buffer = document.createBuffer();
  const n = cells + 1;
  const positions = new Float32Array(n * n * 3);
  const normals = new Float32Array(n * n * 3);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const x = (i / cells) * 2 - 1,
        y = (j / cells) * 2 - 1;
      const z = Math.sqrt(16 - x * x - y * y);
      positions.set([x, y, z], (j * n + i) * 3);
      const normal = [x / 4 + jitter(), y / 4 + jitter(), z / 4];
      const length = Math.hypot(normal[0]!, normal[1]!, normal[2]!);
      normals.set(
        normal.map((v) => v / length),
        (j * n + i) * 3,
      );
    }
  }
  const indices = new Uint32Array(cells * cells * 6);
  for (let j = 0, k = 0; j < cells; j++) {
    for (let i = 0; i < cells; i++, k += 6) {
      const a = j * n + i;
      indices.set([a, a + 1, a + n, a + 1, a + n + 1, a + n], k);
    }
  }
  const accessor = (type: 'VEC3' | 'SCALAR', array: Float32Array | Uint32Array) => document.createAccessor().setType(type).setArray(array).setBuffer(buffer);
  const primitive = document
    .createPrimitive()
    .setAttribute('POSITION', accessor('VEC3', positions))
    .setAttribute('NORMAL', accessor('VEC3', normals))
    .setIndices(accessor('SCALAR', indices));
  document.createScene().addChild(document.createNode('n').setMesh(document.createMesh('grid').addPrimitive(primitive)));
  return primitive;
}

describe('WebP encoding', () => {
  it('converts to YUV with sharp (iterative) chroma: fine colour detail survives at the same quality', async () => {
    // Thin stripes of opposite colours: what 4:2:0 chroma averages away unless the conversion compensates.
    const stripes = (x: number, y: number, c: number) => (((x >> 1) + (y >> 3)) % 2 === 0 ? [230, 40, 60][c]! : [30, 90, 220][c]!);
    const glb = await chartedGlb(stripes, FULL);
    const ours = await textureOf(glb, false);
    const source = await sharp((await new NodeIO().readBinary(glb)).getRoot().listTextures()[0]!.getImage()!)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const raw = { width: SIZE, height: SIZE, channels: 3 as const };
    const plain = await sharp(source.data, { raw }).webp({ quality: PRESETS.web.textureQuality, effort: PRESETS.web.textureEffort }).toBuffer();
    const decoded = await sharp(plain).raw().toBuffer();
    const plainPsnr = compareImages({ data: source.data, ...raw }, { data: decoded, ...raw }, null, [0, 1, 2], false).psnr;
    expect(ours.psnr!).toBeGreaterThan(plainPsnr + 1);
  });
});

describe('simplification under an error bound', () => {
  it('keeps no more triangles than position-only simplification (gltf-transform) where normals barely turn', async () => {
    const triangles = (p: Primitive) => p.getIndices()!.getCount() / 3;
    const ours = new Document();
    const oursPrimitive = curvedGrid(ours, 96);
    const report = { trianglesBefore: 0, trianglesAfter: 0, maxRelativeError: 0, skippedPrimitives: 0 };
    await ours.transform(simplifyMeshes({ maxTriangles: null, simplifyError: 1e-4 }, report));
    const theirs = new Document();
    const theirsPrimitive = curvedGrid(theirs, 96);
    await theirs.transform(simplify({ simplifier: MeshoptSimplifier, error: 1e-4 }));
    expect(triangles(theirsPrimitive)).toBeLessThan(96 * 96 * 2 * 0.5);
    expect(report.trianglesAfter).toBe(triangles(oursPrimitive));
    expect(triangles(oursPrimitive)).toBeLessThanOrEqual(triangles(theirsPrimitive) * 1.05);
    expect(report.maxRelativeError).toBeLessThanOrEqual(1e-4);
  });

  it('keeps the triangles that carry normals turning by more than the tolerance', async () => {
    const triangles = (p: Primitive) => p.getIndices()!.getCount() / 3;
    const ours = new Document();
    const oursPrimitive = curvedGrid(ours, 96, 0.4);
    const report = { trianglesBefore: 0, trianglesAfter: 0, maxRelativeError: 0, skippedPrimitives: 0 };
    await ours.transform(simplifyMeshes({ maxTriangles: null, simplifyError: 1e-4 }, report));
    const theirs = new Document();
    const theirsPrimitive = curvedGrid(theirs, 96, 0.4);
    await theirs.transform(simplify({ simplifier: MeshoptSimplifier, error: 1e-4 }));
    expect(triangles(oursPrimitive)).toBeGreaterThan(triangles(theirsPrimitive) * 1.05);
  });
});
