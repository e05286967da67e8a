import { NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { generateModel } from '../../src/emulator/index.js';
import { validateGlb } from '../helpers/validate.js';
import { dataUri, download, fakeClock, PNG_DATA_URI, useEmulator } from './helpers.js';

const RETEXTURE = '/openapi/v1/retexture';
const io = new NodeIO();

async function emulator() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
  return { api, clock, finish: () => clock.advance(100) };
}

describe('retexture (https://docs.meshy.ai/en/api/retexture)', () => {
  it('paints new textures on the input geometry (new UVs for an untextured preview); 10 credits, 15 at 8k', async () => {
    const { api, finish } = await emulator();
    const preview = await api.create({ mode: 'preview', prompt: 'a clay pot' });
    finish();
    const id = await api.createAt(RETEXTURE, { input_task_id: preview, text_style_prompt: 'blue glazed ceramic', enable_pbr: true });
    const big = await api.createAt(RETEXTURE, { input_task_id: preview, text_style_prompt: 'x', texture_resolution: '8k' });
    finish();
    const task = await api.getAt(RETEXTURE, id);
    expect(task).toMatchObject({
      type: 'retexture',
      status: 'SUCCEEDED',
      consumed_credits: 10,
      text_style_prompt: 'blue glazed ceramic',
      image_style_url: '',
      texture_image_url: '',
    });
    expect(Object.keys(task.texture_urls[0])).toEqual(['base_color', 'metallic', 'normal', 'roughness']);
    expect((await api.getAt(RETEXTURE, big)).consumed_credits).toBe(15);
    const bytes = (await download(task.model_urls.glb)).bytes;
    expect((await validateGlb(bytes)).errors).toBe(0);
    const source = await io.readBinary((await download((await api.get(preview)).model_urls.glb)).bytes);
    const result = await io.readBinary(bytes);
    const [before, after] = [source, result].map((d) => d.getRoot().listMeshes()[0]!.listPrimitives()[0]!);
    expect(after!.getAttribute('POSITION')!.getArray()).toEqual(before!.getAttribute('POSITION')!.getArray());
    expect(after!.getAttribute('TEXCOORD_0')).not.toBeNull();
    expect(after!.getMaterial()!.getBaseColorTexture()).not.toBeNull();
  });

  it("keeps an upload's UVs with enable_original_uv, and fails (model_missing_uv) a model without any", async () => {
    const { api, finish } = await emulator();
    const preview = await api.create({ mode: 'preview', prompt: 'a bare pot' });
    const upload = await generateModel({ seed: 2, prompt: 'a box', kind: 'refine', targetTriangles: 500, textureSize: 64, pbr: false });
    finish();
    const kept = await api.createAt(RETEXTURE, {
      model_url: dataUri(upload),
      image_style_url: PNG_DATA_URI,
      text_style_prompt: 'ignored: the image wins',
      enable_original_uv: true,
    });
    const missing = await api.createAt(RETEXTURE, { input_task_id: preview, text_style_prompt: 'gold', enable_original_uv: true });
    finish();
    const task = await api.getAt(RETEXTURE, kept);
    expect(task).toMatchObject({ status: 'SUCCEEDED', image_style_url: PNG_DATA_URI, texture_image_url: PNG_DATA_URI });
    const uvs = async (bytes: Uint8Array) =>
      (await io.readBinary(bytes)).getRoot().listMeshes()[0]!.listPrimitives()[0]!.getAttribute('TEXCOORD_0')!.getArray();
    expect(await uvs((await download(task.model_urls.glb)).bytes)).toEqual(await uvs(upload));
    expect(await api.getAt(RETEXTURE, missing)).toMatchObject({
      status: 'FAILED',
      consumed_credits: 0,
      task_error: { type: 'invalid_input', code: 'model_missing_uv' },
    });
  });

  it('refuses missing or conflicting styles and sources with 400', async () => {
    const { api } = await emulator();
    const model_url = 'https://example.com/a.fbx';
    for (const [body, message] of [
      [{ text_style_prompt: 'x' }, /^input_task_id or model_url is required$/],
      [{ model_url }, /^text_style_prompt, image_style_url or multiview_image_urls is required$/],
      [{ model_url, multiview_image_urls: [PNG_DATA_URI], text_style_prompt: 'x', ai_model: 'meshy-7' }, /multiview_image_urls cannot be combined/],
      [{ model_url, multiview_image_urls: [PNG_DATA_URI] }, /multiview_image_urls needs ai_model "meshy-7" \(got "latest"\)/],
      [{ model_url, multiview_image_urls: [], ai_model: 'meshy-7' }, /multiview_image_urls must hold 1 to 4 images/],
      [{ model_url, text_style_prompt: 'x'.repeat(601) }, /^text_style_prompt must be at most 600 characters/],
      [{ model_url, text_style_prompt: 'x', ai_model: 'meshy-5', texture_resolution: '8k' }, /texture_resolution "8k" needs/],
      [{ model_url: 'https://example.com/a.usdz', text_style_prompt: 'x' }, /^Invalid model file extension: \.usdz$/],
    ] as const) {
      const response = await api.call('POST', RETEXTURE, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
    expect((await api.call('POST', RETEXTURE, { model_url, multiview_image_urls: [PNG_DATA_URI], ai_model: 'meshy-7' })).status).toBe(202);
  });
});
