import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createMeshyClient, type MeshyClient, textTo3d, textToImage } from '../../src/meshy/index.js';

/** The admission queue between real clients and the emulator's account queue (queueLimit). */
const KEY = 'msy_queue_emulator_test_key';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((fn) => fn()));
});

async function setup(queueLimit: number, taskDurationMs: number) {
  const emulator = await startEmulator({ apiKeys: [KEY], queueLimit, taskDurationMs, queueDelayMs: 0 });
  const logs: string[] = [];
  const client = () => {
    const meshy = createMeshyClient({ apiKey: KEY, baseUrl: emulator.url, log: (line) => logs.push(line) });
    cleanups.push(() => meshy.close());
    return meshy;
  };
  cleanups.push(() => emulator.close());
  return { emulator, client, logs };
}

/** Creates a preview and follows it to its end, as a build does. */
async function generate(meshy: MeshyClient, prompt: string): Promise<string> {
  const id = await meshy.createTask(textTo3d, { mode: 'preview', prompt });
  await meshy.waitForTask(textTo3d, id);
  return id;
}

interface Timed {
  id: string;
  created_at: number;
  finished_at: number;
}

/** For each task that ended while creates waited, how long the slot it freed stayed empty. */
function slotGaps(emulator: Emulator, slots: number): number[] {
  const tasks = emulator.tasks() as unknown as Timed[];
  const created = tasks.map((task) => task.created_at).sort((a, b) => a - b);
  const finished = tasks.map((task) => task.finished_at).sort((a, b) => a - b);
  return created.slice(slots).map((at, i) => at - finished[i]!);
}

describe('the admission queue against the emulator', () => {
  it('fills a queue of 2 with 6 tasks: one refusal, and each freed slot taken within milliseconds', async () => {
    const { emulator, client, logs } = await setup(2, 400);
    const meshy = client();
    await Promise.all(Array.from({ length: 6 }, (_, i) => generate(meshy, `a queued crate ${i}`)));
    const stats = emulator.stats();
    expect(stats.tasksCreated).toBe(6);
    expect(stats.createsRefused).toBe(1);
    const gaps = slotGaps(emulator, 2);
    expect(gaps).toHaveLength(4);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(200);
    expect(logs.filter((line) => /429|retrying/.test(line))).toEqual([]);
  });

  it('is shared by every client of the account in the process', async () => {
    const { emulator, client } = await setup(2, 400);
    const clients = [client(), client(), client()];
    await Promise.all(clients.flatMap((meshy, c) => [0, 1].map((i) => generate(meshy, `a shared crate ${c}.${i}`))));
    expect(emulator.stats()).toMatchObject({ tasksCreated: 6, createsRefused: 1 });
    expect(Math.max(...slotGaps(emulator, 2))).toBeLessThanOrEqual(200);
  });

  it('never holds image tasks, which do not count against the queue', async () => {
    const { emulator, client } = await setup(1, 400);
    const meshy = client();
    const model = await meshy.createTask(textTo3d, { mode: 'preview', prompt: 'a lamp holding the only slot' });
    const follow = meshy.waitForTask(textTo3d, model);
    const held = generate(meshy, 'a lamp waiting for the slot'); // refused once: the queue is known to be full
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const image = await meshy.createTask(textToImage, { ai_model: 'nano-banana', prompt: 'a concept of a lamp' });
    expect(Date.now() - started).toBeLessThan(200);
    await Promise.all([follow, held, meshy.waitForTask(textToImage, image)]);
    expect(emulator.stats()).toMatchObject({ tasksCreated: 3, createsRefused: 1 });
  });
});
