import { getBounds, NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { generateModel } from '../../src/emulator/index.js';
import { validateGlb } from '../helpers/validate.js';
import { dataUri, download, fakeClock, useEmulator } from './helpers.js';

const REMESH = '/openapi/v1/remesh';
const io = new NodeIO();

async function emulator() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
  return { api, clock, finish: () => clock.advance(100) };
}

async function inspect(bytes: Uint8Array) {
  const document = await io.readBinary(bytes);
  const primitives = document
    .getRoot()
    .listMeshes()
    .flatMap((mesh) => mesh.listPrimitives());
  const triangles = primitives.reduce((sum, p) => sum + p.getIndices()!.getCount() / 3, 0);
  return { triangles, bounds: getBounds(document.getRoot().getDefaultScene()!), textured: primitives.some((p) => p.getMaterial()?.getBaseColorTexture()) };
}

describe('remesh (https://docs.meshy.ai/en/api/remesh)', () => {
  it('really remeshes a text-to-3D result to about target_polycount; GLB only by default; 5 credits', async () => {
    const { api, finish } = await emulator();
    const preview = await api.create({ mode: 'preview', prompt: 'a stone idol' });
    finish();
    const id = await api.createAt(REMESH, { input_task_id: preview, target_polycount: 500 });
    finish();
    const task = await api.getAt(REMESH, id);
    expect(task).toMatchObject({ type: 'remesh', status: 'SUCCEEDED', consumed_credits: 5, texture_urls: [] });
    expect(Object.keys(task.model_urls)).toEqual(['glb']);
    const source = await inspect((await download((await api.get(preview)).model_urls.glb)).bytes);
    const bytes = (await download(task.model_urls.glb)).bytes;
    const result = await inspect(bytes);
    expect(source.triangles).toBeGreaterThan(1500);
    expect(result.triangles).toBeLessThanOrEqual(550);
    expect(result.triangles).toBeGreaterThan(250);
    expect((await validateGlb(bytes)).errors).toBe(0);
    expect((await download(task.thumbnail_url)).headers.get('content-type')).toBe('image/png');
  });

  it('keeps the textures of an uploaded GLB, resizes it and moves its origin', async () => {
    const { api, finish } = await emulator();
    const upload = await generateModel({ seed: 1, prompt: 'a crate', kind: 'refine', targetTriangles: 800, textureSize: 64, pbr: false });
    const id = await api.createAt(REMESH, {
      model_url: dataUri(upload),
      target_polycount: 400,
      resize_height: 2,
      origin_at: 'bottom',
      target_formats: ['glb', 'blend'],
    });
    finish();
    const task = await api.getAt(REMESH, id);
    expect(Object.keys(task.model_urls)).toEqual(['glb', 'blend']);
    expect(Object.keys(task.texture_urls[0])).toEqual(['base_color']);
    expect((await download(task.texture_urls[0].base_color)).headers.get('content-type')).toBe('image/png');
    const bytes = (await download(task.model_urls.glb)).bytes;
    const result = await inspect(bytes);
    expect(result.textured).toBe(true);
    expect(result.bounds.max[1] - result.bounds.min[1]).toBeCloseTo(2, 3);
    expect(result.bounds.min[1]).toBeCloseTo(0, 3);
    expect((await validateGlb(bytes)).errors).toBe(0);
  });

  it('fails (refunded) a task whose upload is a corrupt GLB (https://docs.meshy.ai/en/api/errors invalid_input)', async () => {
    const { api, finish } = await emulator();
    const corrupt = new Uint8Array([0x67, 0x6c, 0x54, 0x46, 2, 0, 0, 0, 200, 0, 0, 0]);
    const id = await api.createAt(REMESH, { model_url: dataUri(corrupt) });
    finish();
    expect(await api.getAt(REMESH, id)).toMatchObject({ status: 'FAILED', consumed_credits: 0, task_error: { type: 'invalid_input', code: 'invalid_input' } });
  });

  it('refuses missing or unusable sources and conflicting options with 400', async () => {
    const { api, finish } = await emulator();
    const image = await api.createAt('/openapi/v1/text-to-image', { ai_model: 'nano-banana', prompt: 'x' });
    finish();
    for (const [body, message] of [
      [{}, /^input_task_id or model_url is required$/],
      [{ model_url: 'https://example.com/model.3dm' }, /^Invalid model file extension: \.3dm$/],
      [{ model_url: 'data:model/gltf-binary;base64,Z2xURg==' }, /model_url data URI must be data:application\/octet-stream/],
      [{ model_url: dataUri(new TextEncoder().encode('hello world')) }, /model_url data URI holds no \.glb/],
      [{ model_url: 'https://example.com/a.glb', target_polycount: 50 }, /^target_polycount must be at least 100/],
      [{ model_url: 'https://example.com/a.glb', target_formats: ['gltf'] }, /^target_formats\[0\] must be one of/],
      [{ model_url: 'https://example.com/a.glb', resize_height: 1, auto_size: true }, /resize_height cannot be combined with auto_size/],
      [{ model_url: 'https://example.com/a.glb', resize_longest_side: 1, resize_height: 1 }, /resize_longest_side cannot be combined/],
      [{ input_task_id: image }, /input_task_id must name a text-to-3d-preview, .* task; .* is a text-to-image task/],
    ] as const) {
      const response = await api.call('POST', REMESH, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
    // An https URL cannot be fetched offline: it is taken as given.
    expect((await api.call('POST', REMESH, { model_url: 'https://example.com/models/a.obj' })).status).toBe(202);
  });
});
