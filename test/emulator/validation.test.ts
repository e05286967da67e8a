import { describe, expect, it } from 'vitest';
import { fakeClock, T2T, useEmulator } from './helpers.js';

const preview = (extra: Record<string, unknown>) => ({ mode: 'preview', prompt: 'a teapot', ...extra });

/** Bodies Meshy refuses with 400, and a pattern the message must match (it names the field). */
const BAD_PREVIEWS: [string, unknown, RegExp][] = [
  ['missing mode', { prompt: 'a teapot' }, /^mode is required/],
  ['unknown mode', { mode: 'draft', prompt: 'a teapot' }, /^mode must be one of "preview", "refine" \(got "draft"\)/],
  ['missing prompt', { mode: 'preview' }, /^prompt is required$/],
  ['empty prompt', preview({ prompt: '   ' }), /^prompt must not be empty$/],
  ['prompt of the wrong type', preview({ prompt: 42 }), /^prompt must be a string \(got 42\)$/],
  ['prompt over 800 characters', preview({ prompt: 'x'.repeat(801) }), /^prompt must be at most 800 characters \(got 801\)$/],
  ['retired meshy-4', preview({ ai_model: 'meshy-4' }), /^ai_model meshy-4 has been retired/],
  ['unknown ai_model', preview({ ai_model: 'meshy-9' }), /^ai_model must be one of .*"meshy-7\.1".* \(got "meshy-9"\)$/],
  ['Smart Topology model without its model_type', preview({ ai_model: 'meshy-t2' }), /ai_model meshy-t2 needs model_type "smart-topology"/],
  ['standard model with smart-topology', preview({ model_type: 'smart-topology', ai_model: 'meshy-7' }), /meshy-7 is not a Smart Topology model/],
  ['unknown model_type', preview({ model_type: 'huge' }), /^model_type must be one of "standard", "smart-topology", "lowpoly"/],
  ['unknown topology', preview({ topology: 'hex' }), /^topology must be one of "quad", "triangle"/],
  ['quad with smart-topology', preview({ model_type: 'smart-topology', topology: 'quad' }), /topology "quad"/],
  ['unknown symmetry_mode', preview({ symmetry_mode: 'sometimes' }), /^symmetry_mode must be one of/],
  ['unknown pose_mode', preview({ pose_mode: 'x-pose' }), /^pose_mode must be one of "a-pose", "t-pose", ""/],
  ['deprecated art_style value', preview({ art_style: 'cartoon' }), /^art_style must be one of "realistic", "sculpture"/],
  ['unknown geometry_resolution', preview({ geometry_resolution: '8k' }), /^geometry_resolution must be one of/],
  ['4k geometry with meshy-7', preview({ ai_model: 'meshy-7', geometry_resolution: '4k' }), /geometry_resolution "4k" needs ai_model meshy-7\.1/],
  ['2k geometry with meshy-6', preview({ ai_model: 'meshy-6', geometry_resolution: '2k' }), /geometry_resolution "2k" needs/],
  ['ultra_mode with meshy-6-lite', preview({ ai_model: 'meshy-6-lite', ultra_mode: true }), /ultra_mode needs/],
  [
    '2k geometry with smart-topology',
    preview({ model_type: 'smart-topology', geometry_resolution: '2k' }),
    /geometry_resolution "2k" needs model_type "standard"/,
  ],
  ['target_polycount too low', preview({ target_polycount: 50 }), /^target_polycount must be from 100 to 300000 for meshy-7\.1 \(got 50\)$/],
  ['target_polycount over meshy-t2 range', preview({ model_type: 'smart-topology', target_polycount: 20_000 }), /from 100 to 15000 for meshy-t2/],
  [
    'target_polycount over meshy-t2.5 range',
    preview({ model_type: 'smart-topology', ai_model: 'meshy-t2.5', target_polycount: 40_000 }),
    /from 100 to 30000 for meshy-t2\.5/,
  ],
  ['fractional target_polycount', preview({ target_polycount: 1500.5 }), /^target_polycount must be an integer/],
  ['string target_polycount', preview({ target_polycount: '3000' }), /^target_polycount must be a number|^target_polycount must be an integer/],
  ['decimation_mode out of range', preview({ decimation_mode: 5 }), /^decimation_mode must be at most 4/],
  ['decimation_mode 0', preview({ decimation_mode: 0 }), /^decimation_mode must be at least 1/],
  ['unknown target format', preview({ target_formats: ['glb', 'gltf'] }), /^target_formats\[1\] must be one of "glb", "obj", "fbx", "stl", "usdz", "3mf"/],
  ['target_formats not an array', preview({ target_formats: 'glb' }), /^target_formats must be an array/],
  ['string boolean', preview({ should_remesh: 'yes' }), /^should_remesh must be a boolean \(got "yes"\)$/],
  ['unknown origin_at', preview({ origin_at: 'top' }), /^origin_at must be one of "bottom", "center"/],
];

describe('request validation (400)', () => {
  it.each(BAD_PREVIEWS)('refuses a preview with %s', async (_name, body, message) => {
    const api = await useEmulator();
    const response = await api.call('POST', T2T, body);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
    expect(api.emulator.stats().tasksCreated).toBe(0);
  });

  it('lists every problem of a body in one message', async () => {
    const api = await useEmulator();
    const response = await api.call('POST', T2T, preview({ topology: 'hex', enable_pbr: 1, target_formats: ['x'] }));
    expect(response.body.message).toMatch(/topology .*; target_formats\[0\]/);
  });

  it('refuses bodies that are not a JSON object', async () => {
    const api = await useEmulator();
    for (const [raw, message] of [
      ['{"mode": "preview", ', /not valid JSON/],
      ['[1, 2]', /must be a JSON object/],
      ['', /empty/],
      ['"preview"', /must be a JSON object/],
    ] as const) {
      const response = await api.call('POST', T2T, undefined, { raw });
      expect(response.status).toBe(400);
      expect(response.body.message).toMatch(message);
    }
  });

  it('accepts the limits themselves, unknown fields, nulls and deprecated values', async () => {
    const api = await useEmulator({ queueLimit: 50, rateLimitPerSecond: 100 });
    for (const body of [
      preview({ prompt: 'x'.repeat(800) }),
      preview({ some_future_field: true, nested: { a: 1 } }),
      preview({ ai_model: null, target_formats: null }),
      preview({ model_type: 'lowpoly', ai_model: 'meshy-t2', target_polycount: 500_000 }), // lowpoly ignores them
      preview({ should_remesh: true, target_polycount: 100, topology: 'quad', decimation_mode: 4 }),
      preview({ model_type: 'smart-topology', ai_model: 'meshy-t2.5', target_polycount: 30_000 }),
      preview({ ai_model: 'latest', geometry_resolution: '4k' }),
      preview({ ai_model: 'meshy-7', ultra_mode: true }),
      preview({ symmetry_mode: 'on', pose_mode: '', is_a_t_pose: false, moderation: true, auto_size: true, origin_at: 'center' }),
    ]) {
      const response = await api.call('POST', T2T, body);
      expect(response.status, JSON.stringify(body).slice(0, 100)).toBe(202);
    }
  });

  it('validates refine fields', async () => {
    const clock = fakeClock();
    const api = await useEmulator({ now: clock.now, taskDurationMs: 10, queueDelayMs: 0 });
    const previewId = await api.create(preview({}));
    clock.advance(10);
    const refine = (extra: Record<string, unknown>) => api.call('POST', T2T, { mode: 'refine', preview_task_id: previewId, ...extra });
    for (const [extra, message] of [
      [{ texture_resolution: '16k' }, /^texture_resolution must be one of "2k", "4k", "8k"/],
      [{ enable_pbr: 'true' }, /^enable_pbr must be a boolean/],
      [{ texture_prompt: 'y'.repeat(801) }, /^texture_prompt must be at most 800 characters/],
      [{ texture_image_url: 'ftp://example.com/a.png' }, /^texture_image_url must be an http\(s\) URL or a data:image/],
      [{ ai_model: 'meshy-t2' }, /Smart Topology model/],
      [{ ai_model: 'meshy-4' }, /retired/],
      [{ target_formats: ['dae'] }, /^target_formats\[0\]/],
    ] as const) {
      const response = await refine(extra);
      expect(response.status, JSON.stringify(extra)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
    for (const extra of [
      { texture_image_url: 'https://example.com/style.png' },
      { texture_image_url: 'data:image/png;base64,iVBORw0KGgo=' },
      { hd_texture: true, remove_lighting: false },
      { ai_model: 'latest' },
    ]) {
      expect((await refine(extra)).status, JSON.stringify(extra)).toBe(202);
    }
  });
});
