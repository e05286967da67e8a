import { readdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  assertGlb,
  type ManifestEntry,
  putRawModel,
  readManifest,
  readManifestEntry,
  readOptimized,
  readRawFile,
  recordManifestEntry,
  storeLayout,
  writeOptimized,
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
    expect(await readOptimized(layout, 'k')).toEqual({ path: `${layout.optimized}/k.glb`, meta: { triangles: 1 } });
  });
});
