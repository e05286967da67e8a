import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  assertGlb,
  inspectRawFile,
  listJournal,
  type ManifestEntry,
  putRawModel,
  RawFileDamagedError,
  readJournal,
  readManifest,
  readManifestEntry,
  readOptimized,
  readRawFile,
  recordManifestEntry,
  storeLayout,
  withFileLock,
  writeJournal,
  writeOptimized,
  writeRawSidecar,
} from '../../src/cache/index.js';
import { tinyGlb } from '../helpers/glb.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

function entry(label: string, sha256 = 'a'.repeat(64)): ManifestEntry {
  return {
    kind: 'prompt',
    label,
    namespace: 'test',
    model: 'meshy-7.1',
    request: { prompt: label },
    tasks: [{ stage: 'preview', id: 't1', createdAt: 1, finishedAt: 2, credits: 20 }],
    credits: 20,
    files: { glb: { sha256, bytes: 10 } },
    createdAt: new Date(0).toISOString(),
  };
}

describe('GLB check', () => {
  it('accepts a real GLB and rejects truncated, foreign and empty bytes', async () => {
    const glb = await tinyGlb();
    expect(() => assertGlb(glb)).not.toThrow();
    expect(() => assertGlb(glb.subarray(0, glb.byteLength - 4))).toThrow(/truncated/);
    expect(() => assertGlb(new TextEncoder().encode('<html>Access denied</html>'))).toThrow(/magic/);
    expect(() => assertGlb(new Uint8Array())).toThrow(/0 bytes/);
    const v1 = glb.slice();
    new DataView(v1.buffer).setUint32(4, 1, true);
    expect(() => assertGlb(v1)).toThrow(/version 1/);
  });
});

describe('raw level', () => {
  it('stores by content hash, reads back verified, and refuses a bad GLB without leaving a file', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    const file = await putRawModel(layout, glb);
    expect(file.bytes).toBe(glb.byteLength);
    expect(await readdir(layout.raw)).toEqual([`${file.sha256}.glb`]);
    expect(await readRawFile(layout, file)).toEqual(glb);

    await expect(putRawModel(layout, glb.subarray(0, 30))).rejects.toThrow(/Not a valid GLB/);
    expect(await readdir(layout.raw)).toEqual([`${file.sha256}.glb`]);
    expect(await readdir(layout.tmp)).toEqual([]);
  });

  it('detects a cached file that no longer matches its hash', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    const file = await putRawModel(layout, glb);
    const tampered = glb.slice();
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0xff;
    await writeFile(`${layout.raw}/${file.sha256}.glb`, tampered);
    await expect(readRawFile(layout, file)).rejects.toThrow(/does not match/);
  });
});

describe('manifest', () => {
  it('starts empty, records entries sorted, and keeps concurrent writes', async () => {
    const layout = storeLayout(await tempDir());
    expect(await readManifest(layout)).toEqual({ version: 1, entries: {} });
    await Promise.all(['k3', 'k1', 'k2'].map((key) => recordManifestEntry(layout, key, entry(key))));
    const text = await readFile(layout.manifest, 'utf8');
    expect(Object.keys(JSON.parse(text).entries)).toEqual(['k1', 'k2', 'k3']);
    expect(await readManifestEntry(layout, 'k2')).toEqual(entry('k2'));
  });

  it('says clearly when the manifest is broken', async () => {
    const layout = storeLayout(await tempDir());
    await writeFile(layout.manifest, '{ "version": 1, <<<<<<< HEAD');
    await expect(readManifest(layout)).rejects.toThrow(/not valid JSON \(a merge conflict\?\)/);
  });
});

describe('optimized level', () => {
  it('is visible only once both the GLB and its meta are written', async () => {
    const layout = storeLayout(await tempDir());
    expect(await readOptimized(layout, 'k')).toBeUndefined();
    const glb = await tinyGlb();
    await writeOptimized(layout, 'k', glb, { triangles: 1 });
    expect(await readOptimized(layout, 'k')).toEqual({ path: `${layout.optimized}/k.glb`, metaPath: `${layout.optimized}/k.json`, meta: { triangles: 1 } });
  });
});

describe('integrity of raw files', () => {
  const LFS_POINTER = `version https://git-lfs.github.com/spec/v1\noid sha256:${'d'.repeat(64)}\nsize 1234\n`;

  it('tells a missing, truncated, grown or Git LFS pointer raw file apart (one stat when intact)', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    const file = await putRawModel(layout, glb);
    const path = `${layout.raw}/${file.sha256}.glb`;
    expect(await inspectRawFile(layout, file)).toBeUndefined();
    await writeFile(path, glb.subarray(0, 100));
    expect(await inspectRawFile(layout, file)).toEqual({ path, cause: `truncated: 100 of ${glb.byteLength} bytes` });
    await writeFile(path, LFS_POINTER);
    expect(await inspectRawFile(layout, file)).toEqual({ path, cause: 'this is a Git LFS pointer: run git lfs pull' });
    await writeFile(path, Buffer.concat([glb, Buffer.alloc(8)]));
    expect((await inspectRawFile(layout, file))?.cause).toMatch(/bytes where \d+ were stored/);
    await rm(path);
    expect(await inspectRawFile(layout, file)).toEqual({ path, cause: 'missing' });
  });

  it('reading a damaged raw file is a typed error with its path and cause', async () => {
    const layout = storeLayout(await tempDir());
    const file = await putRawModel(layout, await tinyGlb());
    await writeFile(`${layout.raw}/${file.sha256}.glb`, LFS_POINTER);
    const error = await readRawFile(layout, file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RawFileDamagedError);
    expect(error).toMatchObject({ code: 'MESHY_RAW_DAMAGED', damage: { cause: 'this is a Git LFS pointer: run git lfs pull' } });
    await rm(`${layout.raw}/${file.sha256}.glb`);
    await expect(readRawFile(layout, file)).rejects.toMatchObject({ damage: { cause: 'missing' } });
  });

  it('a putRawModel over a damaged copy writes the file again', async () => {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    const file = await putRawModel(layout, glb);
    await writeFile(`${layout.raw}/${file.sha256}.glb`, LFS_POINTER);
    await putRawModel(layout, glb);
    expect(await readRawFile(layout, file)).toEqual(glb);
  });

  it('writes a sidecar with the spec key and the whole entry beside the raw file', async () => {
    const layout = storeLayout(await tempDir());
    const file = await putRawModel(layout, await tinyGlb());
    const recorded = { ...entry('a sidecar'), files: { glb: file } };
    await writeRawSidecar(layout, 'the-key', recorded);
    expect(JSON.parse(await readFile(`${layout.raw}/${file.sha256}.json`, 'utf8'))).toEqual({ version: 1, key: 'the-key', ...recorded });
    expect(await readdir(layout.tmp)).toEqual([]);
  });
});

describe('a broken manifest', () => {
  it('points to `repair` and never advises deleting it', async () => {
    const layout = storeLayout(await tempDir());
    await writeFile(layout.manifest, '{\n<<<<<<< HEAD\n  "version": 1,\n=======\n  "version": 1,\n>>>>>>> theirs\n}');
    const conflicted = (await readManifest(layout).catch((e: Error) => e)) as Error;
    expect(conflicted.message).toMatch(/not valid JSON \(a merge conflict\?\): it has git conflict markers/);
    expect(conflicted.message).toMatch(/npx vite-plugin-meshy repair/);
    expect(conflicted.message).not.toMatch(/fix or delete|delete it/i);
    await writeFile(layout.manifest, '{ "version": 1, "entries": { "k": { "kind": 3 } } }');
    const shape = (await readManifest(layout).catch((e: Error) => e)) as Error;
    expect(shape.message).toMatch(/unexpected shape \(entries\.k\.kind: .*vite-plugin-meshy repair/);
    expect(shape.message).not.toMatch(/fix or delete|delete it/i);
  });
});

describe('a journal file that does not parse', () => {
  it('is an error naming the file, the task ids it still shows and how to fix it, never "no journal"', async () => {
    const layout = storeLayout(await tempDir());
    await writeJournal(layout, { version: 1, key: 'k', label: 'l', stages: [] });
    const path = `${layout.journal}/k.json`;
    await writeFile(path, '{ "version": 1, "key": "k", "stages": [{ "stage": "preview", "state": "created", "taskId": "0193-abc", ');
    const error = await readJournal(layout, 'k').catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'MESHY_JOURNAL_CORRUPT', context: { path, taskIds: ['0193-abc'] } });
    expect((error as Error).message).toMatch(new RegExp(`journal ${path} does not parse \\(it is not valid JSON`));
    expect((error as Error).message).toMatch(/names Meshy task 0193-abc.*no new task was created.*Fix the file so that it parses/);
    await writeFile(path, '{ "version": 2 }');
    expect(((await readJournal(layout, 'k').catch((e: Error) => e)) as Error).message).toMatch(/does not parse \(version: .*names no Meshy task id/);
    // Listings skip it (the key's own read reports it).
    expect(await listJournal(layout)).toEqual([]);
  });
});

describe('locks', () => {
  it('recover from garbage in locks/: a file where a lock goes, a stale lock with files in it, a file as the folder', async () => {
    const layout = storeLayout(await tempDir());
    await mkdir(layout.locks, { recursive: true });
    // A fresh stray file would otherwise block the lock until it looked stale, then fail with ENOTDIR.
    await writeFile(`${layout.locks}/manifest.lock`, 'stray');
    const started = Date.now();
    expect(await withFileLock(`${layout.locks}/manifest`, async () => 'held', { staleMs: 60_000 })).toBe('held');
    expect(Date.now() - started).toBeLessThan(2000);

    await mkdir(`${layout.locks}/k.lock/junk`, { recursive: true });
    await writeFile(`${layout.locks}/k.lock/junk/file`, 'x');
    const past = new Date(Date.now() - 60_000);
    await utimes(`${layout.locks}/k.lock`, past, past);
    expect(await withFileLock(`${layout.locks}/k`, async () => 'taken over', { staleMs: 2000 })).toBe('taken over');

    await rm(layout.locks, { recursive: true });
    await writeFile(layout.locks, 'not a folder');
    expect(await withFileLock(`${layout.locks}/manifest`, async () => 'made', { staleMs: 2000 })).toBe('made');
    expect((await readdir(layout.locks)).filter((name) => !name.startsWith('.'))).toEqual([]);
  });
});

describe('integrity of optimized files', () => {
  async function stored() {
    const layout = storeLayout(await tempDir());
    const glb = await tinyGlb();
    await writeOptimized(layout, 'k', glb, { triangles: 1 });
    const damages: { path: string; cause: string }[] = [];
    const read = () => readOptimized<{ triangles: number }>(layout, 'k', (damage) => damages.push(damage));
    return { layout, glb, damages, read, path: `${layout.optimized}/k.glb` };
  }

  it('records the size and sha256 of the GLB in its meta when writing', async () => {
    const { layout, glb } = await stored();
    const meta = JSON.parse(await readFile(`${layout.optimized}/k.json`, 'utf8'));
    expect(meta).toEqual({
      triangles: 1,
      integrity: { sha256: createHash('sha256').update(glb).digest('hex'), bytes: glb.byteLength, verified: expect.stringMatching(/^\d+ \d+ [\d.]+ [\d.]+$/) },
    });
  });

  it.each([
    ['truncated', (glb: Uint8Array) => glb.subarray(0, glb.byteLength - 8), /^truncated: \d+ of \d+ bytes$/],
    ['with a zeroed header', (glb: Uint8Array) => Buffer.concat([Buffer.alloc(12), glb.subarray(12)]), /does not match the sha256/],
    ['a PNG under its name', () => Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), /^truncated: 16 of/],
    ['missing', undefined, /^missing$/],
  ])('is not returned when %s, and the damage is reported', async (_name, damage, cause) => {
    const { glb, damages, read, path } = await stored();
    if (damage) await writeFile(path, damage(glb));
    else await rm(path);
    expect(await read()).toBeUndefined();
    expect(damages).toEqual([{ path, cause: expect.stringMatching(cause) }]);
  });

  it('a meta written before integrity was recorded: the GLB header is checked, then size and hash are recorded', async () => {
    const { layout, glb, damages, read, path } = await stored();
    const metaPath = `${layout.optimized}/k.json`;
    await writeFile(metaPath, JSON.stringify({ triangles: 1 }));
    await writeFile(path, Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
    expect(await read()).toBeUndefined();
    expect(damages).toEqual([{ path, cause: expect.stringMatching(/Not a valid GLB file: only 16 bytes/) }]);

    await writeFile(path, glb);
    expect(await read()).toEqual({ path, metaPath, meta: { triangles: 1 } });
    expect(JSON.parse(await readFile(metaPath, 'utf8')).integrity).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), bytes: glb.byteLength });
    // From now on the hash is checked: same size, other bytes.
    const flipped = glb.slice();
    flipped[flipped.length - 1]! ^= 0xff;
    await writeFile(path, flipped);
    expect(await read()).toBeUndefined();
    expect(damages.at(-1)?.cause).toMatch(/does not match the sha256/);
  });
});
