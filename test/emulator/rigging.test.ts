import { Document, NodeIO } from '@gltf-transform/core';
import { describe, expect, it } from 'vitest';
import { generateModel } from '../../src/emulator/index.js';
import { validateGlb } from '../helpers/validate.js';
import { dataUri, download, fakeClock, inspectRig, useEmulator } from './helpers.js';

const RIG = '/openapi/v1/rigging';
const io = new NodeIO();

/** Mixamo's names without the `mixamorig` prefix (https://docs.meshy.ai/en/api/rigging). */
const EXPECTED_JOINTS = [
  'Hips',
  'Spine',
  'Spine1',
  'Spine2',
  'Neck',
  'Head',
  'LeftShoulder',
  'LeftArm',
  'LeftForeArm',
  'LeftHand',
  'RightShoulder',
  'RightArm',
  'RightForeArm',
  'RightHand',
  'LeftUpLeg',
  'LeftLeg',
  'LeftFoot',
  'LeftToeBase',
  'RightUpLeg',
  'RightLeg',
  'RightFoot',
  'RightToeBase',
];

async function emulator() {
  const clock = fakeClock();
  const api = await useEmulator({ now: clock.now, taskDurationMs: 100, queueDelayMs: 0 });
  return { api, clock, finish: () => clock.advance(100) };
}

describe('rigging (https://docs.meshy.ai/en/api/rigging)', () => {
  it('rigs a text-to-3D character: result null until done, then a 24-joint skinned GLB and walking/running clips', async () => {
    const { api, finish } = await emulator();
    const refine = await api.create({ mode: 'preview', prompt: 'a knight' });
    finish();
    const id = await api.createAt(RIG, { input_task_id: refine, height_meters: 1.8 });
    const pending = await api.getAt(RIG, id);
    expect(pending).toMatchObject({ type: 'rig', status: 'IN_PROGRESS', result: null, consumed_credits: 5 });
    expect(Object.keys(pending)).toEqual([
      'id',
      'type',
      'progress',
      'status',
      'created_at',
      'started_at',
      'finished_at',
      'expires_at',
      'preceding_tasks',
      'task_error',
      'consumed_credits',
      'result',
    ]);
    finish();
    const { result } = await api.getAt(RIG, id);
    expect(Object.keys(result)).toEqual(['rigged_character_fbx_url', 'rigged_character_glb_url', 'basic_animations']);
    expect(Object.keys(result.basic_animations)).toEqual([
      'walking_glb_url',
      'walking_fbx_url',
      'walking_armature_glb_url',
      'running_glb_url',
      'running_fbx_url',
      'running_armature_glb_url',
    ]);
    expect(result.rigged_character_glb_url).toContain('/output/Character_output.glb?');

    const character = (await download(result.rigged_character_glb_url)).bytes;
    expect((await validateGlb(character)).errors).toBe(0);
    const rig = await inspectRig(character);
    expect(rig.joints).toHaveLength(24);
    expect(rig.joints).toEqual(expect.arrayContaining(EXPECTED_JOINTS));
    expect(rig.joints.some((name) => name.startsWith('mixamorig'))).toBe(false);
    expect(rig.hasIbm).toBe(true);
    expect(rig.attributes).toEqual(['JOINTS_0', 'NORMAL', 'POSITION', 'TEXCOORD_0', 'WEIGHTS_0']);
    expect(rig.maxWeightError).toBeLessThan(1e-6);
    expect(rig.clips).toEqual([]);
    const head = rig.document
      .getRoot()
      .listNodes()
      .find((node) => node.getName() === 'Head')!;
    expect(head.getWorldTranslation()[1]).toBeCloseTo((1.53 * 1.8) / 1.7, 3);

    const walking = (await download(result.basic_animations.walking_glb_url)).bytes;
    expect((await validateGlb(walking)).errors).toBe(0);
    expect((await inspectRig(walking)).clips).toEqual(['Walking']);
    const armature = await inspectRig((await download(result.basic_animations.running_armature_glb_url)).bytes);
    expect([armature.clips, armature.attributes, armature.document.getRoot().listSkins().length]).toEqual([['Running'], [], 0]);
  });

  it('answers 422 when pose estimation fails: the marker, or an upload much wider than tall', async () => {
    const { api, finish } = await emulator();
    const dog = await api.create({ mode: 'preview', prompt: 'a dog [emulator:not-humanoid]' });
    finish();
    const refused = await api.call('POST', RIG, { input_task_id: dog });
    expect([refused.status, refused.body.message]).toEqual([422, expect.stringMatching(/^Pose estimation failed/)]);
    const flat = new Document();
    const buffer = flat.createBuffer();
    const positions = flat
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([-1, 0, -1, 1, 0, -1, 0, 0.2, 1]))
      .setBuffer(buffer);
    flat.createScene().addChild(flat.createNode().setMesh(flat.createMesh().addPrimitive(flat.createPrimitive().setAttribute('POSITION', positions))));
    const lying = await api.call('POST', RIG, { model_url: dataUri(await io.writeBinary(flat)) });
    expect(lying.status).toBe(422);
    expect((await api.call('POST', RIG, { model_url: 'https://example.com/[emulator:not-humanoid]/cat.glb' })).status).toBe(422);
    const upright = await generateModel({ seed: 3, prompt: 'a pillar figure', kind: 'refine', targetTriangles: 300, textureSize: 32, pbr: false });
    expect((await api.call('POST', RIG, { model_url: dataUri(upright) })).status).toBe(202);
    expect(api.emulator.stats().tasksCreated).toBe(2);
  });

  it('refuses non-GLB models, over 300,000 faces, bad heights and textures with 400', async () => {
    const { api } = await emulator();
    const dense = new Document();
    const buffer = dense.createBuffer();
    const positions = dense
      .createAccessor()
      .setType('VEC3')
      .setArray(new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]))
      .setBuffer(buffer);
    const indices = dense
      .createAccessor()
      .setType('SCALAR')
      .setArray(new Uint16Array(300_001 * 3))
      .setBuffer(buffer);
    dense
      .createScene()
      .addChild(dense.createNode().setMesh(dense.createMesh().addPrimitive(dense.createPrimitive().setAttribute('POSITION', positions).setIndices(indices))));
    for (const [body, message] of [
      [{}, /^input_task_id or model_url is required$/],
      [{ model_url: 'https://example.com/hero.fbx' }, /^Invalid model file extension: \.fbx$/],
      [{ model_url: dataUri(await io.writeBinary(dense)) }, /300001 faces; rigging takes at most 300,000/],
      [{ model_url: 'https://example.com/hero.glb', height_meters: 0 }, /^height_meters must be/],
      [{ model_url: 'https://example.com/hero.glb', texture_image_url: 'https://example.com/skin.jpg' }, /texture_image_url must be a \.png image/],
    ] as const) {
      const response = await api.call('POST', RIG, body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.body.message).toMatch(message);
    }
  });
});
