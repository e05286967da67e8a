import { NodeIO, type Primitive } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { generateModel, generateThumbnail, type ModelRequest } from '../../src/emulator/index.js';
import { validateGlb } from '../helpers/validate.js';
import { pngSize } from './helpers.js';

const io = new NodeIO();

async function inspect(bytes: Uint8Array) {
  const document = await io.readBinary(bytes);
  const primitives = document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives());
  expect(primitives).toHaveLength(1);
  const primitive = primitives[0] as Primitive;
  const material = primitive.getMaterial()!;
  const size = (texture: ReturnType<typeof material.getBaseColorTexture>) => (texture ? pngSize(texture.getImage()!).width : undefined);
  return {
    triangles: primitive.getIndices()!.getCount() / 3,
    indexType: primitive.getIndices()!.getArray()!.constructor.name,
    attributes: primitive.listSemantics().sort(),
    textures: document.getRoot().listTextures().length,
    baseColor: size(material.getBaseColorTexture()),
    metallicRoughness: size(material.getMetallicRoughnessTexture()),
    normal: size(material.getNormalTexture()),
    primitive,
  };
}

const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
  seed: 48213,
  prompt: 'a weathered bronze lantern',
  kind: 'preview',
  targetTriangles: 2000,
  textureSize: 256,
  pbr: false,
  ...extra,
});

describe('procedural GLB', () => {
  it.each([100, 500, 2000, 12_345])('hits a %i-triangle budget within 10% and validates cleanly', async (target) => {
    const bytes = await generateModel(request({ targetTriangles: target, prompt: `shape ${target}` }));
    const report = await validateGlb(bytes);
    expect(report.messages).toEqual([]);
    expect(report.errors).toBe(0);
    expect(report.warnings).toBe(0);
    const model = await inspect(bytes);
    expect(Math.abs(model.triangles - target) / target).toBeLessThanOrEqual(0.1);
  });

  it('makes a preview an untextured mesh with positions, normals and 16-bit indices', async () => {
    const model = await inspect(await generateModel(request()));
    expect(model.attributes).toEqual(['NORMAL', 'POSITION']);
    expect(model.textures).toBe(0);
    expect(model.indexType).toBe('Uint16Array');
  });

  it('textures a refine at the requested size; PBR adds metallic-roughness and normal maps', async () => {
    const plain = await inspect(await generateModel(request({ kind: 'refine' })));
    expect(plain.attributes).toEqual(['NORMAL', 'POSITION', 'TEXCOORD_0']);
    expect([plain.textures, plain.baseColor, plain.metallicRoughness, plain.normal]).toEqual([1, 256, undefined, undefined]);

    const pbrBytes = await generateModel(request({ kind: 'refine', pbr: true }));
    const pbr = await inspect(pbrBytes);
    expect(pbr.attributes).toEqual(['NORMAL', 'POSITION', 'TANGENT', 'TEXCOORD_0']);
    expect([pbr.textures, pbr.baseColor, pbr.metallicRoughness, pbr.normal]).toEqual([3, 256, 256, 256]);
    const report = await validateGlb(pbrBytes);
    expect([report.errors, report.warnings]).toEqual([0, 0]);
  });

  it('is deterministic: same request, same bytes; another seed or texture prompt, other bytes', async () => {
    const a = await generateModel(request({ kind: 'refine' }));
    const b = await generateModel(request({ kind: 'refine' }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(await generateModel(request({ kind: 'refine', seed: 1 }))))).toBe(false);
    expect(Buffer.from(a).equals(Buffer.from(await generateModel(request({ kind: 'refine', texturePrompt: 'red lacquer' }))))).toBe(false);
  });

  it('builds a closed shape whose faces point outwards', async () => {
    const { primitive } = await inspect(await generateModel(request({ targetTriangles: 1000, prompt: 'an outward crate' })));
    const positions = primitive.getAttribute('POSITION')!.getArray()!;
    const indices = primitive.getIndices()!.getArray()!;
    let outward = 0;
    let area = 0;
    for (let t = 0; t < indices.length; t += 3) {
      const [a, b, c] = [indices[t]! * 3, indices[t + 1]! * 3, indices[t + 2]! * 3];
      const p = (i: number, k: number) => positions[i + k]!;
      const e1 = [p(b, 0) - p(a, 0), p(b, 1) - p(a, 1), p(b, 2) - p(a, 2)];
      const e2 = [p(c, 0) - p(a, 0), p(c, 1) - p(a, 1), p(c, 2) - p(a, 2)];
      const n = [e1[1]! * e2[2]! - e1[2]! * e2[1]!, e1[2]! * e2[0]! - e1[0]! * e2[2]!, e1[0]! * e2[1]! - e1[1]! * e2[0]!];
      const centre = [p(a, 0) + p(b, 0) + p(c, 0), p(a, 1) + p(b, 1) + p(c, 1), p(a, 2) + p(b, 2) + p(c, 2)];
      const facing = n[0]! * centre[0]! + n[1]! * centre[1]! + n[2]! * centre[2]!;
      if (facing > 0) outward++;
      area += Math.hypot(n[0]!, n[1]!, n[2]!);
    }
    expect(outward / (indices.length / 3)).toBeGreaterThan(0.95);
    expect(area).toBeGreaterThan(0);
  });

  it('switches to 32-bit indices past 65,535 vertices and still validates', async () => {
    const bytes = await generateModel(request({ targetTriangles: 135_000 }));
    const model = await inspect(bytes);
    expect(model.indexType).toBe('Uint32Array');
    expect(Math.abs(model.triangles - 135_000) / 135_000).toBeLessThanOrEqual(0.1);
    expect((await validateGlb(bytes)).errors).toBe(0);
  });

  it('builds a standard-profile refine (30,000 triangles, 1024 px texture) that validates', async () => {
    const bytes = await generateModel(request({ kind: 'refine', targetTriangles: 30_000, textureSize: 1024 }));
    const model = await inspect(bytes);
    expect(Math.abs(model.triangles - 30_000) / 30_000).toBeLessThanOrEqual(0.1);
    expect(model.baseColor).toBe(1024);
    const report = await validateGlb(bytes);
    expect([report.errors, report.warnings]).toEqual([0, 0]);
  });

  it('renders thumbnails, opaque or with alpha', async () => {
    const opaque = await generateThumbnail({ seed: 1, prompt: 'a kettle', kind: 'preview' }, 128);
    const alpha = await generateThumbnail({ seed: 1, prompt: 'a kettle', kind: 'refine' }, 64, true);
    expect(pngSize(opaque)).toEqual({ width: 128, height: 128 });
    expect(pngSize(alpha)).toEqual({ width: 64, height: 64 });
    expect(alpha[25]).toBe(6); // IHDR colour type 6: RGBA
  });
});
