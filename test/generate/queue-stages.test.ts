import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type JournalEntry, readJournal, storeLayout } from '../../src/cache/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { openJournal } from '../../src/generate/journal-handle.js';
import { planOf, runPlan } from '../../src/generate/plan.js';
import type { StageEvent } from '../../src/generate/stages.js';
import { parseMeshyImport } from '../../src/imports/index.js';
import { createMeshyClient, type MeshyClient } from '../../src/meshy/index.js';
import type { CreateOptions } from '../../src/meshy/tasks.js';
import type { WaitOptions } from '../../src/meshy/wait.js';
import { testSource } from '../helpers/fake-meshy.js';
import { useTempDirs } from '../helpers/tmp.js';

/** Issue 17: how a generation's stages use the account's admission queue. */
const tempDir = useTempDirs();
const spec = (id: string) => parseMeshyImport(id).spec;

/** A Meshy client that records the options of each create and wait; `hold` runs before a create is sent. */
function recordingClient(hold: (options: CreateOptions) => Promise<void> = async () => {}) {
  const creates: CreateOptions[] = [];
  const waits: WaitOptions[] = [];
  let count = 0;
  const client = {
    baseUrl: 'fake://meshy',
    async createTask(_resource, _body, options = {}) {
      creates.push(options);
      await hold(options);
      await options.onSend?.();
      return `task-${++count}`;
    },
    async waitForTask(_resource, id, options = {}) {
      waits.push(options);
      return { id, status: 'SUCCEEDED', progress: 100, created_at: 1, finished_at: 2, consumed_credits: 5 } as never;
    },
  } as Pick<MeshyClient, 'baseUrl' | 'createTask' | 'waitForTask'> as MeshyClient;
  return { client, creates, waits };
}

describe('stages in the account queue', () => {
  it("hands each task's slot to the model's next task, whose creates go before new models'", async () => {
    const layout = storeLayout(join(await tempDir(), '.meshy'));
    const { client, creates, waits } = recordingClient();
    const journal = await openJournal(layout, 'key', 'a knight');
    await runPlan(
      planOf(spec('meshy:prompt?text=a knight&rig')),
      { client, journal, log: () => {}, priority: 2 },
      { generated: () => Promise.reject(new Error('none')) },
    );
    expect(creates.map(({ priority, after }) => ({ priority, after }))).toEqual([
      { priority: 2, after: undefined },
      { priority: 3, after: 'task-1' },
      { priority: 3, after: 'task-2' },
    ]);
    // The last task keeps no slot: nothing of this model follows it.
    expect(waits.map((wait) => wait.handOver)).toEqual([true, true, false]);
  });

  it('journals a create only when the queue lets it go out, and reports the wait as WAITING', async () => {
    const layout = storeLayout(join(await tempDir(), '.meshy'));
    const journal = await openJournal(layout, 'held-key', 'a held lamp');
    const journaledWhileHeld: unknown[] = [];
    const { client } = recordingClient(async (options) => {
      options.onQueue?.({ inUse: 2, limit: 2, waiting: 3 });
      journaledWhileHeld.push(await readJournal(layout, 'held-key'));
    });
    const events: StageEvent[] = [];
    await runPlan(
      planOf(spec('meshy:prompt?text=a held lamp&textured=false')),
      { client, journal, log: () => {}, onEvent: (event) => events.push(event) },
      { generated: () => Promise.reject(new Error('none')) },
    );
    // Held: nothing is journaled, so a crash now leaves nothing to look up and nothing was paid.
    expect(journaledWhileHeld).toEqual([undefined]);
    expect(events[0]).toEqual({ stage: 'preview', taskId: '', status: 'WAITING', progress: 0, queue: { inUse: 2, limit: 2, waiting: 3 } });
    expect(events.slice(1).map((event) => event.status)).toEqual(['PENDING']);
  });

  it('against the emulator: a model held for a full queue has no journal entry until its create is sent', async () => {
    const KEY = 'msy_queue_stages_test_key';
    // Tasks long enough that the three creates meet a full queue even on a loaded machine.
    const emulator = await startEmulator({ apiKeys: [KEY], queueLimit: 1, taskDurationMs: 1500, queueDelayMs: 0 });
    const client = createMeshyClient({ apiKey: KEY, baseUrl: emulator.url });
    onTestFinished(async () => {
      await client.close();
      await emulator.close();
    });
    const dir = await tempDir();
    const layout = storeLayout(join(dir, '.meshy'));
    const whileHeld = new Map<string, Promise<JournalEntry | undefined>>();
    const { models, lines } = testSource(dir, client, {
      onEvent: (event) => {
        if (event.type === 'progress' && event.status === 'WAITING' && !whileHeld.has(event.key)) whileHeld.set(event.key, readJournal(layout, event.key));
      },
    });
    const specs = ['first', 'second', 'third'].map((n) => spec(`meshy:prompt?text=a ${n} lamp&textured=false`));
    await Promise.all(specs.map((one) => models.get(one)));
    expect(emulator.stats()).toMatchObject({ tasksCreated: 3, createsRefused: 1 });
    // One create was sent and refused (that is how the queue's size was learned): it was journaled
    // as sent, which is safe (a refused create made nothing, and a resume finds nothing to adopt).
    // The one held before it was ever sent has no journal entry at all.
    const journals = await Promise.all(whileHeld.values());
    expect(whileHeld.size).toBe(2);
    expect(journals.filter((entry) => entry === undefined)).toHaveLength(1);
    expect(journals.find(Boolean)?.stages.map((stage) => stage.state)).toEqual(['creating']);
    expect(lines.filter((line) => line.startsWith("Meshy's queue is full"))[0]).toMatch(/^Meshy's queue is full \(1 of 1 in use\): [12] models? waiting$/);
    expect(lines.filter((line) => /429|retrying/.test(line))).toEqual([]);
  });
});
