import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal, storeLayout, writeJournal } from '../../src/cache/index.js';
import { parseMeshyImport, specKey } from '../../src/imports/index.js';
import { fakeClient, testSource } from '../helpers/fake-meshy.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const spec = (query: string) => parseMeshyImport(`meshy:prompt?${query}`).spec;

const source = testSource;

describe('crash resume from the task journal', () => {
  it('follows a task created by a crashed process instead of creating it again', async () => {
    const dir = await tempDir();
    const query = 'text=a resumed robot';
    const layout = storeLayout(join(dir, '.meshy'));
    const key = specKey(spec(query), 'test');
    await writeJournal(layout, {
      version: 1,
      key,
      label: 'a resumed robot',
      stages: [{ stage: 'preview', state: 'created', taskId: 'old-preview', intentAt: 1, request: {}, updatedAt: 1 }],
    });
    const fake = fakeClient(await tinyGlb(), { existing: { 'old-preview': 'preview' } });
    const { models, lines } = source(dir, fake.client);
    const result = await models.get(spec(query));
    expect(fake.created.map((body) => body.mode)).toEqual(['refine']);
    expect(fake.created[0]).toMatchObject({ preview_task_id: 'old-preview' });
    expect(fake.waited).toEqual(['old-preview', 'task-1']);
    expect(result.meta.taskIds).toEqual(['old-preview', 'task-1']);
    expect(lines.join('\n')).toMatch(/resuming Meshy preview task old-preview/);
    // Finished: the journal entry is gone, the manifest has it.
    expect(await readJournal(layout, key)).toBeUndefined();
    expect(await readFile(join(dir, '.meshy/.gitignore'), 'utf8')).toMatch(/^locks\/$[\s\S]*^tmp\/$/m);
  });

  it('adopts the task of a create that was sent but whose answer was never recorded', async () => {
    const dir = await tempDir();
    const query = 'text=a half-sent lamp&textured=false';
    const layout = storeLayout(join(dir, '.meshy'));
    const key = specKey(spec(query), 'test');
    await writeJournal(layout, {
      version: 1,
      key,
      label: 'a half-sent lamp',
      stages: [{ stage: 'preview', state: 'creating', intentAt: Date.now() - 1000, request: {}, updatedAt: 1 }],
    });
    const fake = fakeClient(await tinyGlb(), { existing: { 'found-in-list': 'preview' }, lostTaskId: 'found-in-list' });
    const result = await source(dir, fake.client).models.get(spec(query));
    expect(fake.created).toEqual([]);
    expect(result.meta.taskIds).toEqual(['found-in-list']);
  });

  it('remembers a FAILED task and retries it only when asked', async () => {
    const dir = await tempDir();
    const query = 'text=a fragile vase&textured=false';
    const failing = fakeClient(await tinyGlb(), { failStage: 'preview' });
    await expect(source(dir, failing.client).models.get(spec(query))).rejects.toThrow(/The server is busy/);
    expect(failing.created).toHaveLength(1);

    // The next build does not pay for another attempt on its own…
    const next = fakeClient(await tinyGlb());
    const error = await source(dir, next.client)
      .models.get(spec(query))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/could not generate "a fragile vase" on an earlier run \(preview task task-1: The server is busy.*retryFailed/);
    expect(next.created).toHaveLength(0);

    // …but does when the user asks.
    const retried = await source(dir, next.client, { retryFailed: true }).models.get(spec(query));
    expect(next.created).toHaveLength(1);
    expect(retried.meta.status).toBe('ready');
  });
});

describe('results past retention', () => {
  it('says the model must be regenerated, and regenerates it only when asked', async () => {
    const dir = await tempDir();
    const query = 'text=an old relic&textured=false';
    const stale = fakeClient(await tinyGlb(), { expired: true });
    const error = await source(dir, stale.client)
      .models.get(spec(query))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MESHY_RESULT_EXPIRED' });
    expect((error as Error).message).toMatch(/no longer has the result of task task-1.*must be regenerated.*retryFailed/);
    expect(stale.downloads()).toBe(2); // the link, then a fresh link from re-reading the task
    expect(await readdir(join(dir, '.meshy/raw')).catch(() => [])).toEqual([]);

    const fresh = fakeClient(await tinyGlb());
    await expect(source(dir, fresh.client).models.get(spec(query))).rejects.toThrow(/earlier run/);
    await source(dir, fresh.client, { retryFailed: true }).models.get(spec(query));
    expect(fresh.created).toHaveLength(1);
  });
});

describe('cross-process safety', () => {
  it('generates a model once when two independent sources (as two processes) want it at once', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const a = source(dir, fake.client);
    const b = source(dir, fake.client);
    const query = 'text=a contested crown&textured=false';
    const [ra, rb] = await Promise.all([a.models.get(spec(query)), b.models.get(spec(query))]);
    expect(fake.created).toHaveLength(1);
    expect(ra.key).toBe(rb.key);
    expect([ra.generated, rb.generated].sort()).toEqual([false, true]);
  });

  it('merges manifest entries written by independent sources', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const sources = [source(dir, fake.client), source(dir, fake.client), source(dir, fake.client)];
    await Promise.all(sources.map((s, i) => s.models.get(spec(`text=item ${i}&textured=false`))));
    const manifest = JSON.parse(await readFile(join(dir, '.meshy/manifest.json'), 'utf8'));
    expect(Object.keys(manifest.entries)).toHaveLength(3);
  });
});

describe('budget, dry run and frozen mode', () => {
  it('refuses a batch over maxCredits, listing every model, before spending anything', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const { models, connects } = source(dir, fake.client, { maxCredits: 50 });
    const results = await Promise.allSettled([models.get(spec('text=sword')), models.get(spec('text=shield'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const message = ((results[0] as PromiseRejectedResult).reason as Error).message;
    expect(message).toMatch(/about 60 credits, over the budget of 50/);
    expect(message).toContain('"sword" (~30 credits)');
    expect(message).toContain('"shield" (~30 credits)');
    expect(connects()).toBe(0);
  });

  it('generates within the budget', async () => {
    const dir = await tempDir();
    const fake = fakeClient(await tinyGlb());
    const { models } = source(dir, fake.client, { maxCredits: 60 });
    await Promise.all([models.get(spec('text=sword')), models.get(spec('text=shield'))]);
    expect(fake.created).toHaveLength(4);
  });

  it('dry run: placeholders and a cost report, no connection', async () => {
    const dir = await tempDir();
    const { models, connects } = source(dir, undefined, { dryRun: true });
    const result = await models.get(spec('text=a dry bone&ai_model=meshy-6-lite'));
    expect(result.meta).toMatchObject({ status: 'pending', credits: 15, triangles: 12 });
    expect(await readFile(result.path)).toBeTruthy();
    expect(models.dryRunReport()).toEqual({ models: [expect.objectContaining({ label: 'a dry bone', credits: 15 })], credits: 15 });
    expect(connects()).toBe(0);
  });

  it('frozen mode lists every missing model at once', async () => {
    const dir = await tempDir();
    const { models } = source(dir, undefined, { mode: 'frozen' });
    const results = await Promise.allSettled([models.get(spec('text=one')), models.get(spec('text=two'))]);
    const message = ((results[1] as PromiseRejectedResult).reason as Error).message;
    expect(message).toMatch(/2 models are not in the Meshy cache/);
    expect(message).toContain('"one"');
    expect(message).toContain('"two"');
    expect(await readdir(join(dir, '.meshy')).catch(() => [])).toEqual([]);
  });
});
