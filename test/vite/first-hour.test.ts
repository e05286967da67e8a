import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const API_KEY = 'msy_first_hour_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;
const STACK_FRAME = /\n\s+at /;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 5 });
});
afterAll(() => emulator.close());

/** Files and folders under `dir`, relative, or [] when it does not exist. */
async function tree(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

// Like a new user's machine: the test needs a process without MESHY_API_KEY.
describe.skipIf(!!process.env.MESHY_API_KEY)('a build without an API key (emulator: auto)', () => {
  it('fails once, without stack frames, offering the three ways on, before anything is created', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import a from 'meshy:prompt?text=a keyless crate';\nimport b from 'meshy:prompt?text=a keyless barrel';\nimport c from './other.js';\nconsole.log(a, b, c);`,
      'other.js': `export default await import('meshy:prompt?text=a keyless lamp');`,
    });
    const logs: string[] = [];
    const failure = await buildProject(root, { mode: 'generate' }, { logs }).then(
      () => undefined,
      (error: Error & { errors?: Error[] }) => error,
    );
    expect(failure).toBeDefined();
    const message = failure!.message;
    expect(message.match(/MESHY_API_KEY is not set/g)).toHaveLength(1);
    expect(message).toMatch(/set MESHY_API_KEY \(in the environment, or a \.env file/);
    expect(message).toContain('`emulator: true`');
    expect(message).toContain('MESHY_DRY_RUN=1');
    expect(message).toContain('nothing was created or paid for');
    expect(message).not.toMatch(STACK_FRAME);
    for (const error of failure!.errors ?? []) expect(error.stack).not.toMatch(STACK_FRAME);
    expect(logs.join('\n').match(/MESHY_API_KEY is not set/g)?.length ?? 0).toBeLessThanOrEqual(1);
    // No store, no locks, no tmp: nothing was started.
    expect(await tree(join(root, '.meshy'))).toEqual([]);
    expect(emulator.stats().tasksCreated).toBe(0);
  });

  it('a project without meshy: imports, and a fully cached one, still build; dry runs and frozen builds are unchanged', async () => {
    const plain = await tempDir();
    await writeProject(plain, { 'main.js': `console.log('no models here');` });
    await buildProject(plain, {});
    expect(await tree(join(plain, '.meshy'))).toEqual([]);

    // Generated once with a key (as the real API's cache: same namespace), then built without one.
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import a from 'meshy:prompt?text=a cached keyless crate&textured=false';\nconsole.log(a);` });
    const shared = { apiBase: emulator.url, cacheNamespace: 'meshy', optimize: false } as const;
    await buildProject(root, { ...shared, apiKey: API_KEY, mode: 'generate' });
    const built = await buildProject(root, { ...shared, mode: 'generate' });
    expect([...built.assets.keys()].some((name) => name.endsWith('.glb'))).toBe(true);

    const fresh = await tempDir();
    await writeProject(fresh, { 'main.js': `import a from 'meshy:prompt?text=a dry keyless crate';\nconsole.log(a);` });
    await buildProject(fresh, { dryRun: true, mode: 'generate' });
    await expect(buildProject(fresh, { mode: 'frozen' })).rejects.toThrow(/not in the Meshy cache/);
  });
});

describe('dynamic-import chunks', () => {
  it('are named after the model, not after its import id', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `const crate = await import('meshy:prompt?text=a wooden crate');\nconsole.log(crate.default);`,
    });
    const { code } = await buildProject(root, { mode: 'offline', storeDir: join(root, '.meshy') });
    const chunks = [...code.matchAll(/^\/\/ (\S+\.js)$/gm)].map((match) => match[1]!);
    expect(chunks).toContainEqual(expect.stringMatching(/^assets\/a-wooden-crate-[\w-]+\.js$/));
    expect(chunks.join(' ')).not.toContain('_meshy_');
  });
});
