import { mkdir, readFile, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertGlb, putRawImage, readManifest, recordManifestEntry, storeLayout, writeJournal } from '../../src/cache/index.js';
import { parseMeshyImport, specKey } from '../../src/imports/index.js';
import { fakeClient, testSource } from '../helpers/fake-meshy.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const spec = (query: string) => parseMeshyImport(`meshy:prompt?${query}`).spec;
const LFS_POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'e'.repeat(64)}\nsize 4242\n`;

/** A store holding one paid model (preview and refine: 30 credits), and the paths of its files. */
async function paidModel(query = 'text=a paid-for lamp') {
  const dir = await tempDir();
  const paying = fakeClient(await tinyGlb('lamp'));
  const first = await testSource(dir, paying.client).models.get(spec(query));
  const layout = storeLayout(join(dir, '.meshy'));
  const [entry] = Object.values((await readManifest(layout)).entries);
  const sha = 'glb' in entry!.files ? entry!.files.glb.sha256 : '';
  return { dir, layout, query, raw: join(layout.raw, `${sha}.glb`), optimized: first.path, optimizedBytes: await readFile(first.path) };
}

/** A source whose Meshy records every create: none may happen. */
async function nextBuild(dir: string) {
  const fake = fakeClient(await tinyGlb('a new roll'));
  const warnings: string[] = [];
  const source = testSource(dir, fake.client, { warn: (line) => warnings.push(line) });
  return { ...source, fake, warnings };
}

const damages: [string, (raw: string) => Promise<void>, RegExp][] = [
  ['replaced by a Git LFS pointer', (raw) => writeFile(raw, LFS_POINTER), /this is a Git LFS pointer: run git lfs pull/],
  ['truncated', (raw) => truncate(raw, 100), /truncated: 100 of \d+ bytes/],
  ['deleted', (raw) => rm(raw), /: missing\./],
];

describe('a paid model whose raw file is damaged is never generated again implicitly', () => {
  it.each(damages)('raw file %s, no optimized copy: a typed error naming the model, the file, the cause and the ways out', async (_name, damage, cause) => {
    const { dir, query, raw, optimized } = await paidModel();
    await damage(raw);
    await rm(optimized);
    const { models, fake, connects } = await nextBuild(dir);
    const error = await models.get(spec(query)).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'MESHY_PAID_MODEL_UNAVAILABLE', context: { label: 'a paid-for lamp', path: raw } });
    const message = (error as Error).message;
    expect(message).toContain(`"a paid-for lamp" was paid for (30 credits, Meshy tasks task-1 task-2), but its raw file ${raw} cannot be used`);
    expect(message).toMatch(cause);
    expect(message).toMatch(/not generated again/);
    expect(message).toMatch(/npx vite-plugin-meshy regenerate <name>/);
    expect(message).toMatch(/remote store once one is configured/);
    expect(fake.created).toEqual([]);
    expect(connects()).toBe(0);
  });

  it.each(damages)('raw file %s, optimized copy intact: ships it, with one warning naming the model and the raw file', async (_name, damage) => {
    const { dir, query, raw, optimized, optimizedBytes } = await paidModel();
    await damage(raw);
    const { models, fake, connects, warnings } = await nextBuild(dir);
    const result = await models.get(spec(query));
    await models.get(spec(`${query}&name=again`)); // another import of it: no second warning
    expect(result).toMatchObject({ path: optimized, generated: false, meta: { taskIds: ['task-1', 'task-2'], status: 'ready' } });
    expect(await readFile(result.path)).toEqual(optimizedBytes);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^"a paid-for lamp": its raw file ${raw} cannot be used \\(.+\\); shipping its intact optimized copy`));
    expect(fake.created).toEqual([]);
    expect(connects()).toBe(0);
  });

  it('a raw file of the right size with other bytes fails when it has to be read, without paying', async () => {
    const { dir, query, raw, optimized } = await paidModel();
    const bytes = await readFile(raw);
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(raw, bytes);
    await rm(optimized);
    const { models, fake } = await nextBuild(dir);
    await expect(models.get(spec(query))).rejects.toThrow(/cannot be used: its content does not match the sha256/);
    expect(fake.created).toEqual([]);
  });

  it('`regenerate` stays the explicit way to pay again', async () => {
    const { dir, query, raw, optimized } = await paidModel();
    await writeFile(raw, LFS_POINTER);
    await rm(optimized);
    const { models, fake } = await nextBuild(dir);
    const result = await models.regenerate(spec(query));
    expect(fake.created.map((body) => body.mode)).toEqual(['preview', 'refine']);
    expect(result.generated).toBe(true);
    const bytes = new Uint8Array(await readFile(result.path));
    expect(() => assertGlb(bytes)).not.toThrow();
  });

  it('an image whose raw file is damaged ships its intact copy, or fails without paying', async () => {
    const dir = await tempDir();
    const png = await import('sharp').then(({ default: sharp }) =>
      sharp({ create: { width: 4, height: 4, channels: 3, background: '#a47' } })
        .png()
        .toBuffer(),
    );
    const image = parseMeshyImport('meshy:text-to-image?text=a paid-for poster').spec;
    const layout = storeLayout(join(dir, '.meshy'));
    const file = await putRawImage(layout, new Uint8Array(png));
    await recordManifestEntry(layout, specKey(image, 'test'), {
      kind: image.kind,
      label: 'a paid-for poster',
      namespace: 'test',
      model: 'nano-banana',
      request: {},
      tasks: [{ stage: 'image', id: 'image-task', createdAt: 1, credits: 3 }],
      credits: 3,
      files: { image: file },
      createdAt: new Date(0).toISOString(),
    });
    const first = await testSource(dir, undefined).models.get(image);
    const raw = join(layout.raw, `${file.sha256}.png`);
    await writeFile(raw, LFS_POINTER);

    const { models, fake, warnings } = await nextBuild(dir);
    expect((await models.get(image)).path).toBe(first.path);
    expect(warnings).toEqual([expect.stringMatching(/"a paid-for poster": its raw file .* \(this is a Git LFS pointer: run git lfs pull\); shipping/)]);
    await rm(first.path);
    const again = await nextBuild(dir);
    await expect(again.models.get(image)).rejects.toMatchObject({ code: 'MESHY_PAID_MODEL_UNAVAILABLE' });
    expect([...fake.created, ...again.fake.created]).toEqual([]);
  });
});

describe('a damaged optimized file is made again from raw, never shipped', () => {
  it.each([
    ['truncated', (bytes: Buffer) => bytes.subarray(0, bytes.length - 10)],
    ['with a zeroed header', (bytes: Buffer) => Buffer.concat([Buffer.alloc(12), bytes.subarray(12)])],
    ['a PNG under a .glb name', () => Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')],
  ])('%s', async (_name, damage) => {
    const { dir, query, optimized, optimizedBytes } = await paidModel();
    await writeFile(optimized, damage(optimizedBytes));
    const { models, fake, warnings } = await nextBuild(dir);
    const result = await models.get(spec(query));
    expect(result.path).toBe(optimized);
    expect(await readFile(result.path)).toEqual(optimizedBytes);
    expect(warnings).toEqual([
      expect.stringMatching(new RegExp(`^"a paid-for lamp": the optimized file ${optimized} is damaged \\(.+\\); making it again from the raw file`)),
    ]);
    expect(fake.created).toEqual([]);
  });
});

describe('a journal that does not parse', () => {
  it('stops the generation with an error naming the file and its task id; no new task', async () => {
    const dir = await tempDir();
    const query = 'text=a journaled kite&textured=false';
    const layout = storeLayout(join(dir, '.meshy'));
    const key = specKey(spec(query), 'test');
    await writeJournal(layout, { version: 1, key, label: 'a journaled kite', stages: [] });
    const path = join(layout.journal, `${key}.json`);
    // A hand edit (or a bad merge) broke the file after Meshy had created the task.
    await writeFile(path, `{"version":1,"key":"${key}","label":"a journaled kite","stages":[{"stage":"preview","state":"created","taskId":"paid-task-7",}]}`);
    const { models, fake, connects } = await nextBuild(dir);
    const error = await models.get(spec(query)).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'MESHY_JOURNAL_CORRUPT', context: { path, taskIds: ['paid-task-7'] } });
    expect((error as Error).message).toMatch(/names Meshy task paid-task-7.*no new task was created.*Fix the file so that it parses/);
    expect(fake.created).toEqual([]);
    expect(connects()).toBe(0);
  });
});

describe('locks', () => {
  it('garbage in locks/ does not stop a generation, which pays once', async () => {
    const dir = await tempDir();
    const layout = storeLayout(join(dir, '.meshy'));
    await mkdir(join(layout.locks, 'junk.lock', 'inside'), { recursive: true });
    await writeFile(join(layout.locks, 'manifest.lock'), 'stray');
    const past = new Date(Date.now() - 60_000);
    await utimes(join(layout.locks, 'manifest.lock'), past, past);
    const { models, fake } = await nextBuild(dir);
    const result = await models.get(spec('text=a locked box&textured=false'));
    expect(result.generated).toBe(true);
    expect(fake.created).toHaveLength(1);
  });

  it('the manifest lock is taken before paying: while another process holds it, no task is created', async () => {
    const dir = await tempDir();
    const layout = storeLayout(join(dir, '.meshy'));
    await mkdir(join(layout.locks, 'manifest.lock'), { recursive: true });
    const holder = setInterval(() => {
      const now = new Date();
      void utimes(join(layout.locks, 'manifest.lock'), now, now).catch(() => undefined);
    }, 200);
    try {
      const { models, fake } = await nextBuild(dir);
      const pending = models.get(spec('text=a patient parcel&textured=false'));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(fake.created).toEqual([]);
      clearInterval(holder);
      await rm(join(layout.locks, 'manifest.lock'), { recursive: true });
      expect((await pending).generated).toBe(true);
      expect(fake.created).toHaveLength(1);
    } finally {
      clearInterval(holder);
    }
  });
});
