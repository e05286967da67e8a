import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { GenerationEvent } from '../../src/generate/index.js';
import { parseMeshyImport } from '../../src/imports/index.js';
import { fakeClient, testSource } from '../helpers/fake-meshy.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

const source = testSource;

const spec = (query: string) => parseMeshyImport(`meshy:prompt?${query}`).spec;

describe('model source', () => {
  it('runs preview then refine, records both tasks and stores the result', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const { models, lines } = await source(dir, fake.client);
    const result = await models.get(spec('text=a clay pot'));
    expect(fake.created.map((body) => body.mode)).toEqual(['preview', 'refine']);
    expect(fake.created[1]).toMatchObject({ preview_task_id: 'task-1' });
    expect(result.generated).toBe(true);
    expect(result.meta).toMatchObject({ prompt: 'a clay pot', taskIds: ['task-1', 'task-2'], credits: 30, triangles: 1, status: 'ready' });
    expect(lines.join('\n')).toMatch(/"a clay pot" refine/);
  });

  it('serves a cached model without connecting, across new sources', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    await (await source(dir, fake.client)).models.get(spec('text=a clay pot&textured=false'));
    const offline = await source(dir, undefined, { mode: 'offline' });
    const again = await offline.models.get(spec('textured=false&text=a clay pot'));
    expect(again.generated).toBe(false);
    expect(offline.connects()).toBe(0);
  });

  it("reads the namespaces in order: a model stored for the real API is served as Meshy's, only a missing one is generated (emulated, under the emulator's namespace)", async () => {
    const dir = await tempDir();
    const real = await source(dir, fakeClient(await tinyGlb()).client, { namespace: 'meshy' });
    const paid = await real.models.get(spec('text=a paid helmet&textured=false'));
    const fake = fakeClient(await tinyGlb());
    const keyless = await source(dir, fake.client, { namespace: 'emulator', readNamespaces: ['meshy', 'emulator'], emulated: true });

    const served = await keyless.models.get(spec('text=a paid helmet&textured=false'));
    expect(served).toMatchObject({ key: paid.key, generated: false, meta: { emulated: false, taskIds: paid.meta.taskIds } });
    expect(await keyless.models.peek(spec('text=a paid helmet&textured=false'))).toMatchObject({ key: paid.key });
    expect(fake.created).toHaveLength(0);
    expect(keyless.connects()).toBe(0);

    const made = await keyless.models.get(spec('text=a missing helmet&textured=false'));
    expect(made).toMatchObject({ generated: true, meta: { emulated: true } });
    expect(made.key).toBe(keyless.models.keyOf(spec('text=a missing helmet&textured=false')));
    expect(fake.created).toHaveLength(1);
    const manifest = JSON.parse(await readFile(join(dir, '.meshy/manifest.json'), 'utf8')) as { entries: Record<string, { namespace: string; label: string }> };
    const namespaces = Object.fromEntries(Object.values(manifest.entries).map((entry) => [entry.label, entry.namespace]));
    expect(namespaces).toEqual({ 'a paid helmet': 'meshy', 'a missing helmet': 'emulator' });
    // Read back by the real API's source: the emulated model is not there.
    expect(await real.models.peek(spec('text=a missing helmet&textured=false'))).toBeUndefined();
  });

  it('shares one generation between identical concurrent requests', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const { models } = await source(dir, fake.client);
    const [a, b] = await Promise.all([models.get(spec('text=a bell&textured=false')), models.get(spec('text=a bell&textured=0&name=bell'))]);
    expect(a.key).toBe(b.key);
    expect(fake.created).toHaveLength(1);
  });

  it("fails with the spec and Meshy's message and stores nothing when a task fails", async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb(), { failStage: 'refine' });
    const { models } = await source(dir, fake.client);
    await expect(models.get(spec('text=a doomed vase'))).rejects.toThrow(/Meshy could not generate "a doomed vase".*The server is busy/);
    expect(await readdir(join(dir, '.meshy')).catch(() => [])).not.toContain('manifest.json');
    expect(await readdir(join(dir, '.meshy/raw')).catch(() => [])).toEqual([]);
  });

  it.each([
    ['generate', {}],
    ['frozen', { mode: 'frozen' as const }],
    ['offline', { mode: 'offline' as const }],
    ['dry run', { dryRun: true }],
  ])('refuses to generate a model of a retired ai_model (%s), before connecting or locking, naming the replacement', async (_name, extra) => {
    // A month after meshy-5's retirement, whatever day the test runs on.
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-10T00:00:00Z'));
    const dir = await tempDir();
    const { models, connects } = await source(dir, undefined, extra);
    const retired = spec('text=a late relic&ai_model=meshy-5&textured=false');
    await expect(models.get(retired)).rejects.toMatchObject({
      code: 'MESHY_MODEL_RETIRED',
      message: expect.stringMatching(
        /^"a late relic" is not in the Meshy cache .* cannot be generated: meshy-5 was retired by Meshy on 2026-10-10 .*use meshy-6-lite/,
      ),
    });
    // A model made from it, neither of them stored: refused for the input, and named by retiredMisses.
    const remeshed = parseMeshyImport('meshy:remesh?src=meshy:prompt?text=a late relic%26ai_model=meshy-5%26textured=false').spec;
    await expect(models.get(remeshed)).rejects.toMatchObject({ code: 'MESHY_MODEL_RETIRED' });
    expect(await models.retiredMisses(remeshed)).toEqual([expect.stringMatching(/^meshy-5 was retired .*; "a late relic" is not in the Meshy cache/)]);
    expect(await models.retiredMisses(spec('text=a current relic&ai_model=meshy-6-lite'))).toEqual([]);
    expect(connects()).toBe(0);
    expect(await readdir(join(dir, '.meshy')).catch(() => [])).not.toContain('locks');
    vi.restoreAllMocks();
  });

  it('refuses to generate in frozen mode', async () => {
    const dir = await tempDir();
    const { models, connects } = await source(dir, undefined, { mode: 'frozen' });
    await expect(models.get(spec('text=an uncached anvil'))).rejects.toMatchObject({ code: 'MESHY_CACHE_MISS' });
    expect(connects()).toBe(0);
  });

  it('offline: a placeholder for each miss, one warning, nothing sent to Meshy', async () => {
    const dir = await tempDir();
    const { models, connects, lines } = await source(dir, undefined, { mode: 'offline' });
    const [anvil, tongs] = await Promise.all([models.get(spec('text=an uncached anvil')), models.get(spec('text=uncached tongs'))]);
    expect(anvil.meta.status).toBe('pending');
    expect(tongs.meta.status).toBe('pending');
    expect(anvil.generated).toBe(false);
    expect(connects()).toBe(0);
    expect(lines.filter((line) => line.startsWith('offline:'))).toHaveLength(1);
    expect(await readdir(join(dir, '.meshy/raw')).catch(() => [])).toEqual([]);
  });

  it('reports progress, an early preview result and completion to a listener (dev)', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const events: GenerationEvent[] = [];
    const { models } = await source(dir, fake.client, { previews: true, onEvent: (event) => events.push(event) });
    const result = await models.get(spec('text=a glowing orb'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the preview is announced in the background
    const kinds = events.map((event) => (event.type === 'progress' ? `${event.type}:${event.stage}` : event.type));
    expect(kinds).toContain('progress:preview');
    expect(kinds).toContain('progress:refine');
    expect(kinds.at(-1)).toBe('done');
    const preview = events.find((event) => event.type === 'preview');
    expect(preview && preview.type === 'preview' && preview.result.meta).toMatchObject({ status: 'preview', taskIds: ['task-1'] });
    expect(result.meta.status).toBe('ready');
  });

  it('peeks at stored models without ever generating', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const { models, connects } = await source(dir, fake.client);
    expect(await models.peek(spec('text=a peeked pear&textured=false'))).toBeUndefined();
    expect(connects()).toBe(0);
    await models.get(spec('text=a peeked pear&textured=false'));
    expect((await models.peek(spec('text=a peeked pear&textured=false')))?.meta.status).toBe('ready');
  });
});
