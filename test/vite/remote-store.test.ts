import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, FAIL_MARKER, startEmulator } from '../../src/emulator/index.js';
import { sha256 } from '../../src/hash.js';
import { ensureDistBuilt } from '../helpers/dist.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { BUCKET, type ConditionalProxy, READ_ONLY_CREDENTIALS, S3_CREDENTIALS, type S3Server, startConditionalProxy, startS3rver } from '../helpers/s3.js';
import { useTempDirs } from '../helpers/tmp.js';
import { validateGlb } from '../helpers/validate.js';

/**
 * Issue 11: a team's shared store. "Machines" are build processes with their own project copy and
 * local store, sharing one remote store: s3rver (a real S3-protocol server) behind the test's
 * stand-in for AWS S3's conditional writes (test/helpers/s3.ts), all on loopback, against one emulator.
 */
const API_KEY = 'msy_remote_store_test_key';
const CHILD = join(import.meta.dirname, '../helpers/remote-build-child.mjs');
const PREFIX = 'team';
const tempDir = useTempDirs();
let emulator: Emulator;
let s3: S3Server;
let proxy: ConditionalProxy;
let s3Dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  ensureDistBuilt();
  s3Dir = await mkdtemp(join(tmpdir(), 'meshy-s3-'));
  s3 = await startS3rver(s3Dir);
  proxy = await startConditionalProxy(s3.endpoint);
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 1500, queueDelayMs: 100 });
  Object.assign(process.env, S3_CREDENTIALS);
}, 120_000);
afterAll(async () => {
  for (const name of Object.keys(S3_CREDENTIALS)) delete process.env[name];
  Object.assign(process.env, savedEnv);
  await emulator?.close();
  await proxy?.close();
  await s3?.close();
  await rm(s3Dir, { recursive: true, force: true });
});

const remoteStore = (extra: Record<string, unknown> = {}) => ({ url: `s3://${BUCKET}/${PREFIX}`, endpoint: proxy.endpoint, leaseMs: 1500, ...extra });
const optionsFor = (root: string, extra: Record<string, unknown> = {}) => ({
  apiKey: API_KEY,
  apiBase: emulator.url,
  mode: 'generate',
  storeDir: join(root, '.meshy'),
  remoteStore: remoteStore(),
  ...extra,
});

/** A build process of its own. Leases long enough for a loaded test machine (a build's start can block its event loop for seconds). */
function machine(root: string, leaseMs: number) {
  const options = optionsFor(root, { remoteStore: remoteStore({ leaseMs }) });
  const child: ChildProcess = spawn(process.execPath, [CHILD, root, JSON.stringify(options)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...S3_CREDENTIALS },
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  if (process.env.MESHY_TEST_DEBUG) {
    child.stdout!.on('data', (chunk) => appendFileSync(join(tmpdir(), `meshy-machine-${child.pid}.log`), chunk));
    child.stderr!.on('data', (chunk) => appendFileSync(join(tmpdir(), `meshy-machine-${child.pid}.log`), chunk));
  }
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return { child, done };
}

const importsOf = (prompts: string[]) =>
  `${prompts.map((text, i) => `import m${i} from 'meshy:prompt?text=${encodeURIComponent(text)}';`).join('\n')}\nconsole.log(${prompts.map((_, i) => `m${i}`).join(', ')});`;

function tasksFor(prompt: string) {
  return emulator.tasks().filter((task) => task.prompt === prompt) as { id: string; type: string; status: string; progress: number }[];
}

async function glbsIn(dir: string): Promise<Map<string, Uint8Array>> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => name.endsWith('.glb')).sort();
  return new Map(await Promise.all(names.map(async (name) => [name, new Uint8Array(await readFile(join(dir, name)))] as const)));
}

async function waitFor(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The object s3rver keeps for a key of the remote store. */
const s3rverObject = (key: string) => {
  const parts = `${PREFIX}/${key}`.split('/');
  const name = parts.pop()!;
  return join(s3Dir, BUCKET, ...parts, `${name}._S3rver_object`);
};

const PROMPTS = ['a team-shared oak barrel', 'a team-shared iron lantern', 'a team-shared wooden stool'];
let warmDist: Map<string, Uint8Array>;

describe('a team sharing a remote store', () => {
  it('two machines building the same three new imports at once pay once for each', async () => {
    const [rootA, rootB] = [await tempDir(), await tempDir()];
    for (const root of [rootA, rootB]) await writeProject(root, { 'main.js': importsOf(PROMPTS) });
    const created = emulator.stats().tasksCreated;
    const [a, b] = await Promise.all([machine(rootA, 10_000).done, machine(rootB, 10_000).done]);
    expect(a.output).toContain('BUILD_OK');
    expect(b.output).toContain('BUILD_OK');
    for (const prompt of PROMPTS)
      expect(
        tasksFor(prompt)
          .map((task) => task.type)
          .sort(),
      ).toEqual(['text-to-3d-preview', 'text-to-3d-refine']);
    expect(emulator.stats().tasksCreated - created).toBe(6);
    // A machine waited for the other's models.
    expect(`${a.output}${b.output}`).toMatch(/waiting for .+ \(pid \d+/);

    const [distA, distB] = [await glbsIn(join(rootA, 'dist/assets')), await glbsIn(join(rootB, 'dist/assets'))];
    expect(distA.size).toBe(3);
    expect([...distB.keys()]).toEqual([...distA.keys()]);
    for (const [name, bytes] of distA) {
      expect(Buffer.from(distB.get(name)!).equals(Buffer.from(bytes)), name).toBe(true);
      expect((await validateGlb(bytes)).errors, name).toBe(0);
    }
    warmDist = distA;
  }, 120_000);

  it('a fresh clone with an empty local store and a warm remote: no task, no Meshy connection', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': importsOf(PROMPTS) });
    const before = emulator.stats();
    const logs: string[] = [];
    // frozen: a CI build, which would fail on a model in neither store
    const { assets } = await buildProject(root, optionsFor(root, { mode: 'frozen' }) as never, { logs });
    expect(emulator.stats().requests).toBe(before.requests);
    expect(emulator.stats().tasksCreated).toBe(before.tasksCreated);
    const glbs = [...assets].filter(([name]) => name.endsWith('.glb'));
    expect(glbs.map(([name]) => name.replace(/^assets\//, '')).sort()).toEqual([...warmDist.keys()]);
    for (const [name, bytes] of glbs)
      expect(Buffer.from(bytes).equals(Buffer.from(warmDist.get(name.replace(/^assets\//, '')) ?? new Uint8Array()))).toBe(true);
    expect(logs.filter((line) => line.includes('taken from the remote store'))).toHaveLength(3);
    // The raw files came too: the local store is whole, as if the models had been generated here.
    expect(logs.join('\n')).not.toMatch(/cannot be used|could not be taken/);
    expect((await readdir(join(root, '.meshy/raw'))).filter((name) => name.endsWith('.glb'))).toHaveLength(3);

    // offline (a test runner's build): the remote store too is read before a placeholder is made.
    const offlineRoot = await tempDir();
    await writeProject(offlineRoot, { 'main.js': importsOf(PROMPTS) });
    const offline = await buildProject(offlineRoot, optionsFor(offlineRoot, { mode: 'offline' }) as never);
    const offlineGlbs = [...offline.assets].filter(([name]) => name.endsWith('.glb'));
    expect(offlineGlbs.map(([name]) => name.replace(/^assets\//, '')).sort()).toEqual([...warmDist.keys()]);
    expect(emulator.stats().requests).toBe(before.requests);
  }, 60_000);

  it('a corrupted remote object is detected by its hash and never shipped', async () => {
    const manifest = JSON.parse(await readFile(join(await firstStoreOf(PROMPTS), 'manifest.json'), 'utf8')) as {
      entries: Record<string, { label: string; files: { glb: { sha256: string } } }>;
    };
    const [first, second] = Object.values(manifest.entries);
    // The raw file of one model and an optimized file of the other, damaged in place (same size).
    await flipByte(s3rverObject(`raw/${first!.files.glb.sha256}.glb`));
    const metas = (await readdir(join(s3Dir, BUCKET, PREFIX, 'optimized'))).filter((name) => name.endsWith('.json._S3rver_object'));
    let optimizedKey = '';
    for (const name of metas) {
      const meta = JSON.parse(await readFile(join(s3Dir, BUCKET, PREFIX, 'optimized', name), 'utf8')) as { rawSha256: string };
      if (meta.rawSha256 === second!.files.glb.sha256) optimizedKey = name.replace('.json._S3rver_object', '');
    }
    expect(optimizedKey).not.toBe('');
    await flipByte(s3rverObject(`optimized/${optimizedKey}.glb`));

    const root = await tempDir();
    await writeProject(root, { 'main.js': importsOf(PROMPTS) });
    const tasksBefore = emulator.stats().tasksCreated;
    const logs: string[] = [];
    const { assets } = await buildProject(root, optionsFor(root) as never, { logs });
    expect(emulator.stats().tasksCreated).toBe(tasksBefore);
    expect(logs.join('\n')).toMatch(/raw\/[0-9a-f]{64}\.glb in the remote store s3:\/\/meshy-team\/team is corrupted \(its sha256 is/);
    expect(logs.join('\n')).toMatch(/optimized\/[0-9a-f]+\.glb in the remote store s3:\/\/meshy-team\/team is corrupted/);
    // What ships is what the first machines shipped: the intact copies, or made again from an intact raw file.
    const glbs = [...assets].filter(([name]) => name.endsWith('.glb'));
    expect(glbs).toHaveLength(3);
    for (const [name, bytes] of glbs) expect(sha256(bytes)).toBe(sha256(warmDist.get(name.replace(/^assets\//, ''))!));
    // The damaged raw file was not put in the local store.
    expect(await readdir(join(root, '.meshy/raw'))).not.toContain(`${first!.files.glb.sha256}.glb`);
  }, 60_000);

  it('machine A SIGKILLed mid-generation; B, after its lease ended, resumes its Meshy tasks', async () => {
    const prompt = 'a team-shared anvil, its first machine killed';
    const [rootA, rootB] = [await tempDir(), await tempDir()];
    for (const root of [rootA, rootB]) await writeProject(root, { 'main.js': importsOf([prompt]) });
    const a = machine(rootA, 3000);
    // Killed while its second task (the refine) runs: both of its tasks are recorded in its claim.
    await Promise.race([waitFor(() => tasksFor(prompt).some((task) => task.type === 'text-to-3d-refine' && task.status === 'IN_PROGRESS')), a.done]);
    a.child.kill('SIGKILL');
    expect((await a.done).signal).toBe('SIGKILL');
    const created = tasksFor(prompt);
    expect(created.map((task) => task.type).sort()).toEqual(['text-to-3d-preview', 'text-to-3d-refine']);
    const createdBefore = emulator.stats().tasksCreated;

    const b = await machine(rootB, 3000).done;
    expect(b.output).toContain('BUILD_OK');
    expect(b.output).toContain('took over the claim');
    for (const task of created) expect(b.output).toContain(`resuming Meshy ${task.type.replace('text-to-3d-', '')} task ${task.id}`);
    // B created nothing: it followed the tasks A paid for.
    expect(tasksFor(prompt)).toHaveLength(2);
    expect(emulator.stats().tasksCreated).toBe(createdBefore);
  }, 120_000);
});

describe('a FAILED result', () => {
  it('is shared: another machine reports it and pays for nothing', async () => {
    const prompt = `a barrel Meshy cannot make ${FAIL_MARKER}`;
    const [rootA, rootB] = [await tempDir(), await tempDir()];
    for (const root of [rootA, rootB]) await writeProject(root, { 'main.js': importsOf([prompt]) });
    await expect(buildProject(rootA, optionsFor(rootA) as never)).rejects.toThrow(/Meshy could not generate/);
    const tasks = tasksFor(prompt).length;
    expect(tasks).toBe(1);
    await expect(buildProject(rootB, optionsFor(rootB) as never)).rejects.toThrow(/could not generate .* on an earlier run .*No new task was created/s);
    expect(tasksFor(prompt)).toHaveLength(tasks);
  }, 60_000);
});

describe('degraded remote stores', () => {
  let deadEndpoint: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meshy-s3-dead-'));
    const stopped = await startS3rver(dir);
    await stopped.close();
    await rm(dir, { recursive: true, force: true });
    deadEndpoint = stopped.endpoint;
  });

  it('an unreachable remote store: one warning, and the build uses the local store alone', async () => {
    const root = await tempDir();
    const prompt = 'a barrel built while the remote store is down';
    await writeProject(root, { 'main.js': importsOf([prompt, `${prompt}, twice`]) });
    const logs: string[] = [];
    const { assets } = await buildProject(root, optionsFor(root, { remoteStore: remoteStore({ endpoint: deadEndpoint }) }) as never, { logs });
    expect([...assets.keys()].filter((name) => name.endsWith('.glb'))).toHaveLength(2);
    expect(logs.filter((line) => line.includes('cannot be reached'))).toHaveLength(1);
    expect(logs.join('\n')).toMatch(/remote store s3:\/\/meshy-team\/team cannot be reached \(ECONNREFUSED.*building from the local store only/);
    expect(tasksFor(prompt)).toHaveLength(2);
  }, 60_000);

  it('required: an unreachable remote store fails the build with a clear error', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': importsOf(['a barrel that needs its remote store']) });
    const created = emulator.stats().tasksCreated;
    await expect(buildProject(root, optionsFor(root, { remoteStore: remoteStore({ endpoint: deadEndpoint, required: true }) }) as never)).rejects.toThrow(
      /remote store s3:\/\/meshy-team\/team .*cannot be reached .*it is required \(remoteStore\.required\)/,
    );
    expect(emulator.stats().tasksCreated).toBe(created);
  });

  it('read-only credentials: builds, reads the remote store, writes nothing to it', async () => {
    const root = await tempDir();
    const prompt = 'a stool built by a fork';
    await writeProject(root, { 'main.js': importsOf([PROMPTS[2]!, prompt]) });
    const before = { ...proxy.stats };
    const logs: string[] = [];
    process.env.AWS_ACCESS_KEY_ID = READ_ONLY_CREDENTIALS.AWS_ACCESS_KEY_ID;
    try {
      const { assets } = await buildProject(root, optionsFor(root) as never, { logs });
      expect([...assets.keys()].filter((name) => name.endsWith('.glb'))).toHaveLength(2);
    } finally {
      process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.AWS_ACCESS_KEY_ID;
    }
    expect(logs.filter((line) => line.includes('read-only for these credentials'))).toHaveLength(1);
    expect(logs.join('\n')).toContain(`"${PROMPTS[2]}": taken from the remote store`);
    expect(tasksFor(PROMPTS[2]!)).toHaveLength(2); // not generated again
    expect(tasksFor(prompt)).toHaveLength(2); // generated here, kept here
    // The probe's one refused write, and no write after it.
    expect(proxy.stats.deniedWrites - before.deniedWrites).toBe(1);
    expect(proxy.stats.writes).toBe(before.writes);
  }, 60_000);
});

let firstStore: string | undefined;
/** The local store of a machine that built `prompts` (found through the remote's entries: any fresh build has them). */
async function firstStoreOf(prompts: string[]): Promise<string> {
  if (firstStore) return firstStore;
  const root = await mkdtemp(join(tmpdir(), 'meshy-remote-pull-'));
  await writeProject(root, { 'main.js': importsOf(prompts) });
  await buildProject(root, optionsFor(root, { mode: 'frozen' }) as never);
  firstStore = join(root, '.meshy');
  return firstStore;
}

async function flipByte(path: string): Promise<void> {
  const bytes = await readFile(path);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  await writeFile(path, bytes);
}
