import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertGlb } from '../../src/cache/index.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createMeshyClient, MeshyApiError, type MeshyClientOptions, MeshyTaskFailedError, textTo3d } from '../../src/meshy/index.js';

/** The client against the emulator: the same code that talks to api.meshy.ai when a key is set. */
const KEY = 'msy_client_emulator_test_key';
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [KEY], taskDurationMs: 200, queueDelayMs: 20, rateLimitPerSecond: 5, queueLimit: 2 });
});
afterAll(() => emulator.close());

function client(options: Partial<MeshyClientOptions> = {}) {
  return createMeshyClient({ apiKey: KEY, baseUrl: emulator.url, retry: { retries: 8, baseDelayMs: 50, maxDelayMs: 2000 }, ...options });
}

describe('Meshy client against the emulator', () => {
  it.each([true, false])('creates, follows (stream: %s) and downloads a preview then a refine', async (stream) => {
    const meshy = client({ stream, pollIntervalMs: 50, requestsPerSecond: 4 });
    try {
      const progress: number[] = [];
      const previewId = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a copper kettle', target_formats: ['glb'] });
      const preview = await meshy.waitForTask(textTo3d, previewId, { onProgress: (u) => progress.push(u.progress) });
      expect(preview).toMatchObject({ id: previewId, type: 'text-to-3d-preview', status: 'SUCCEEDED', consumed_credits: 20 });
      expect(progress.at(-1)).toBe(100);
      const refineId = await meshy.createTask(textTo3d, { mode: 'refine', preview_task_id: previewId, enable_pbr: true });
      const refine = await meshy.waitForTask(textTo3d, refineId);
      expect(refine.texture_urls?.[0]).toHaveProperty('normal');
      const glb = await meshy.download(refine.model_urls!.glb!, { validate: assertGlb });
      expect(glb.byteLength).toBeGreaterThan(1000);
    } finally {
      await meshy.close();
    }
  });

  it('reports a FAILED task with its error, refunded', async () => {
    const meshy = client();
    const id = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a broken thing [emulator:fail]' });
    const error = await meshy.waitForTask(textTo3d, id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyTaskFailedError);
    expect((error as Error).message).toMatch(/Failed to generate preview images/);
    expect((await meshy.getTask(textTo3d, id)).consumed_credits).toBe(0);
    await meshy.close();
  });

  it('maps a wrong key to 401 without echoing it', async () => {
    const meshy = createMeshyClient({ apiKey: 'msy_wrong_key_0000', baseUrl: emulator.url });
    const error = await meshy.balance().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MeshyApiError);
    expect(error).toMatchObject({ status: 401, code: 'MESHY_UNAUTHORIZED' });
    expect((error as Error).message).not.toContain('msy_wrong_key_0000');
    await meshy.close();
  });

  it("maps a bad request to 400 with the emulator's field message", async () => {
    const meshy = client();
    await expect(meshy.createTask(textTo3d, { mode: 'preview', prompt: 'x', topology: 'hexagon' })).rejects.toThrow(/400.*topology/);
    await meshy.close();
  });

  it('rides out 429s (rate and queue) and creates each task exactly once', async () => {
    // No client-side rate gate: the server's limit of 5/s is what is hit.
    const meshy = client({ requestsPerSecond: 1000 });
    const before = emulator.stats().tasksCreated;
    const ids = await Promise.all(
      Array.from({ length: 5 }, (_, i) => meshy.createTask(textTo3d, { mode: 'preview', prompt: `crate number ${i}`, target_formats: ['glb'] })),
    );
    expect(new Set(ids).size).toBe(5);
    expect(emulator.stats().tasksCreated - before).toBe(5);
    await Promise.all(ids.map((id) => meshy.waitForTask(textTo3d, id)));
    await meshy.close();
  });
});
