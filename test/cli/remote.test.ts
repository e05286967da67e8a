import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prefetch, status } from '../../src/cli/commands.js';
import { pull, push } from '../../src/cli/remote.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { estimateCredits } from '../../src/generate/index.js';
import { createProject, type MeshyProject } from '../../src/project/index.js';
import { writeProject } from '../helpers/project.js';
import { BUCKET, S3_CREDENTIALS, type S3Server, startS3rver } from '../helpers/s3.js';
import { useTempDirs } from '../helpers/tmp.js';

const API_KEY = 'msy_cli_remote_test_key';
const tempDir = useTempDirs();
let emulator: Emulator;
let s3: S3Server;
let s3Dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 200, queueDelayMs: 10 });
  s3Dir = await mkdtemp(join(tmpdir(), 'meshy-s3-cli-'));
  s3 = await startS3rver(s3Dir);
  Object.assign(process.env, S3_CREDENTIALS);
});
afterAll(async () => {
  for (const name of Object.keys(S3_CREDENTIALS)) delete process.env[name];
  Object.assign(process.env, saved);
  await emulator.close();
  await s3.close();
  await rm(s3Dir, { recursive: true, force: true });
});

/** A project on the remote store (plain s3rver: claims are off, reads and writes work), as the plugin would make it. */
function project(root: string, warnings: string[] = [], prefix = 'cli'): MeshyProject {
  return createProject(
    {
      mode: 'generate',
      apiKey: API_KEY,
      apiBase: emulator.url,
      cacheNamespace: 'emulator',
      optimize: false,
      remoteStore: { url: `s3://${BUCKET}/${prefix}`, endpoint: s3.endpoint },
    },
    { root, env: {}, ci: false, logSink: { info() {}, warn: (line) => warnings.push(line), error() {} } },
  );
}

const SOURCES = {
  'main.js': `import a from 'meshy:prompt?text=a pushed crate&textured=false';\nimport b from 'meshy:prompt?text=a pushed barrel&textured=false';`,
};

describe('push, pull and status with a remote store', () => {
  it('push uploads what the remote lacks; status shows it per model; pull brings it to a fresh clone without Meshy', async () => {
    const rootA = await tempDir();
    await writeProject(rootA, SOURCES);
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);
    const a = project(rootA);
    // A store that was filled before the team had a remote store: generate with the remote off.
    const local = createProject(
      { mode: 'generate', apiKey: API_KEY, apiBase: emulator.url, cacheNamespace: 'emulator', optimize: false },
      { root: rootA, env: {}, ci: false, logSink: { info() {}, warn() {}, error() {} } },
    );
    expect(await prefetch(local, print)).toBe(0);
    await local.close();

    lines.length = 0;
    expect(await status(a, print)).toBe(0);
    expect(lines.filter((line) => line.startsWith('cached')).every((line) => line.includes('remote store: lacks it'))).toBe(true);
    expect(lines.at(-1)).toBe(`remote store s3://${BUCKET}/cli: has 0 of 2 model(s)`);

    lines.length = 0;
    expect(await push(a, print)).toBe(0);
    expect(lines.filter((line) => line.startsWith('pushed'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^2 model\(s\) pushed to s3:\/\/meshy-team\/cli, 0 already there; 2 optimized file\(s\) checked$/);
    lines.length = 0;
    expect(await push(a, print)).toBe(0);
    expect(lines.at(-1)).toMatch(/^0 model\(s\) pushed .*, 2 already there/);
    lines.length = 0;
    await status(a, print);
    expect(lines.filter((line) => line.startsWith('cached')).every((line) => line.includes('remote store: has it'))).toBe(true);

    // A fresh clone: pull (a CI warm-up step), then everything is cached, without a Meshy request.
    const rootB = await tempDir();
    await writeProject(rootB, SOURCES);
    const warnings: string[] = [];
    const b = project(rootB, warnings);
    const requests = emulator.stats().requests;
    lines.length = 0;
    expect(await pull(b, print)).toBe(0);
    expect(lines.at(-1)).toBe(`2 model(s) pulled from s3://${BUCKET}/cli; 0 already here; 0 in neither store`);
    expect(emulator.stats().requests).toBe(requests);
    expect((await readdir(join(rootB, '.meshy/raw'))).filter((name) => name.endsWith('.glb'))).toHaveLength(2);
    expect((await readdir(join(rootB, '.meshy/optimized'))).filter((name) => name.endsWith('.glb'))).toHaveLength(2);
    lines.length = 0;
    expect(await status(b, print, { check: true })).toBe(0);
    // Plain s3rver ignores conditional writes: the probe said so, once, naming stores that honour them.
    expect(warnings.filter((line) => line.includes('cross-machine claims are off'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/AWS S3, Cloudflare R2, MinIO and Google Cloud Storage do/);
    await a.close();
    await b.close();
  });

  it('prefetch and status say "in the remote store" for what a teammate paid for, and leave it out of the estimate', async () => {
    const shared = `import a from 'meshy:prompt?text=a shared anvil&textured=false';\nimport b from 'meshy:prompt?text=a shared bucket&textured=false';`;
    const rootA = await tempDir();
    await writeProject(rootA, { 'main.js': shared });
    const a = project(rootA, [], 'cli-cost');
    // A teammate generates two models: written through to the remote store.
    expect(await prefetch(a, () => {})).toBe(0);
    await a.close();

    const rootB = await tempDir();
    await writeProject(rootB, { 'main.js': `${shared}\nimport c from 'meshy:prompt?text=a brand new lantern&textured=false';` });
    const b = project(rootB, [], 'cli-cost');
    const fresh = b.parse('meshy:prompt?text=a brand new lantern&textured=false', 'test');
    const freshCredits = estimateCredits(fresh);
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);

    expect(await status(b, print)).toBe(0);
    expect(lines.filter((line) => line.includes('in the remote store: the next build or `pull` takes it, no credits'))).toHaveLength(2);
    expect(lines.filter((line) => line.includes('credits to generate'))).toEqual([expect.stringContaining('"a brand new lantern"')]);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`3 missing \\(~${freshCredits} credits; 2 of them in the remote store\\)`)));

    lines.length = 0;
    expect(await prefetch(b, print, { dryRun: true })).toBe(0);
    expect(lines[0]).toBe(`3 model(s) used, 0 cached, 2 in the remote store (no credits), 1 to generate (~${freshCredits} credits)`);
    expect(lines.filter((line) => line.endsWith('in the remote store (taken from it, no credits)'))).toHaveLength(2);

    lines.length = 0;
    const before = emulator.stats();
    expect(await prefetch(b, print)).toBe(0);
    const after = emulator.stats();
    expect(after.creditsCharged - before.creditsCharged).toBe(freshCredits);
    expect(lines.filter((line) => line.endsWith('taken from the remote store'))).toHaveLength(2);
    expect(lines.at(-1)).toBe(`generated 3 of 3; ${freshCredits} credits spent`);
    await b.close();
  });

  it('push and pull without a remote store say how to set one', async () => {
    const root = await tempDir();
    await writeProject(root, SOURCES);
    const p = createProject({ mode: 'generate', apiKey: API_KEY, apiBase: emulator.url }, { root, env: {}, ci: false });
    await expect(push(p, () => {})).rejects.toThrow(/remoteStore: 's3:\/\/bucket\/prefix'/);
    await expect(pull(p, () => {})).rejects.toThrow(/MESHY_REMOTE_STORE/);
  });
});
