import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readJournal, storeLayout } from '../../src/cache/index.js';
import { type FaultsConfig, startEmulator } from '../../src/emulator/index.js';
import type { GenerationEvent } from '../../src/generate/index.js';
import { parseMeshyImport, specKey } from '../../src/imports/index.js';
import { createMeshyClient, type MeshyClientOptions } from '../../src/meshy/index.js';
import { testSource } from '../helpers/fake-meshy.js';
import { useTempDirs } from '../helpers/tmp.js';

/** Issue 10, the Meshy protocol: a generation against an emulator that is slow, odd or stale. */
const KEY = 'msy_generate_protocol_test_key';
const tempDir = useTempDirs();
const spec = (query: string) => parseMeshyImport(`meshy:prompt?${query}`).spec;

async function meshy(faults: FaultsConfig, options: Partial<MeshyClientOptions> = {}) {
  const emulator = await startEmulator({ apiKeys: [KEY], taskDurationMs: 200, queueDelayMs: 20, faults });
  const clients: ReturnType<typeof createMeshyClient>[] = [];
  const client = (more: Partial<MeshyClientOptions> = {}) => {
    const made = createMeshyClient({ apiKey: KEY, baseUrl: emulator.url, pollIntervalMs: 50, ...options, ...more });
    clients.push(made);
    return made;
  };
  onTestFinished(async () => {
    await Promise.all(clients.map((made) => made.close()));
    await emulator.close();
  });
  return { emulator, client };
}

async function until(condition: () => boolean, ms = 3000): Promise<void> {
  for (const started = Date.now(); !condition() && Date.now() - started < ms; ) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('generation through protocol faults', () => {
  it('dev: shows the preview when its first download link answers 403, by reading the task once for a fresh link', async () => {
    const dir = await tempDir();
    const { emulator, client } = await meshy({ requests: [{ kind: 'expired-link', path: '/assets/*/model.glb' }] });
    const events: GenerationEvent[] = [];
    const { models, lines } = testSource(dir, client(), { previews: true, onEvent: (event) => events.push(event) });
    await models.get(spec('text=a lantern with a stale link'));
    await until(() => events.some((event) => event.type === 'preview') || lines.some((line) => line.includes('could not be shown')));
    expect(lines.join('\n')).not.toMatch(/its preview could not be shown/);
    expect(events.find((event) => event.type === 'preview')).toMatchObject({ result: { meta: { status: 'preview' } } });
    expect(emulator.stats().faultsInjected).toEqual({ 'expired-link': 1 });
    expect(await readdir(join(dir, '.meshy/tmp')).catch(() => [])).toEqual([]);
  });

  it('a task stuck at 99 % fails the build at maxWaitMs, journaled; the next build follows the same task, paying nothing', async () => {
    const dir = await tempDir();
    const query = 'text=a stuck bell&textured=false';
    const { emulator, client } = await meshy({ stuckTasks: {} }, { maxWaitMs: 400 });
    const first = await testSource(dir, client())
      .models.get(spec(query))
      .catch((e: unknown) => e);
    const [task] = emulator.tasks() as { id: string }[];
    expect((first as Error).message).toMatch(new RegExp(`task ${task!.id} is still IN_PROGRESS \\(99%\\).*task journal.*next build resumes it`));
    const journal = await readJournal(storeLayout(join(dir, '.meshy')), specKey(spec(query), 'test'));
    expect(journal?.stages).toEqual([expect.objectContaining({ stage: 'preview', state: 'created', taskId: task!.id })]);

    const again = testSource(dir, client());
    await expect(again.models.get(spec(query))).rejects.toThrow(/still IN_PROGRESS/);
    expect(again.lines.join('\n')).toContain(`resuming Meshy preview task ${task!.id} (created before; not paid for again)`);
    expect(emulator.stats().tasksCreated).toBe(1);
  });

  it('a result over maxDownloadBytes fails naming the task and the bound, stores nothing; a raised bound then pays nothing new', async () => {
    const dir = await tempDir();
    const query = 'text=a heavy anvil&textured=false';
    const { emulator, client } = await meshy({});
    const error = await testSource(dir, client({ maxDownloadBytes: 1000 }))
      .models.get(spec(query))
      .catch((e: unknown) => e);
    const [task] = emulator.tasks() as { id: string }[];
    expect((error as Error).message).toContain(`The GLB of text-to-3d task ${task!.id}`);
    expect((error as Error).message).toMatch(/larger than the plugin's download bound, maxDownloadBytes = 1000 bytes: it is \d+ bytes\. Nothing was stored/);
    expect(await readdir(join(dir, '.meshy/raw')).catch(() => [])).toEqual([]);
    expect(await readdir(join(dir, '.meshy/tmp')).catch(() => [])).toEqual([]);

    const result = await testSource(dir, client()).models.get(spec(query));
    expect(result.meta.taskIds).toEqual([task!.id]);
    expect(emulator.stats().tasksCreated).toBe(1);
    expect(await readdir(join(dir, '.meshy/tmp'))).toEqual([]);
  });
});
