import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { ensureDistBuilt } from '../helpers/dist.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '../..');
const API_KEY = 'msy_test_runner_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  ensureDistBuilt();
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 200, queueDelayMs: 10 });
}, 120_000);
afterAll(() => emulator.close());

/** A user's project whose Vitest suite imports a model that is not generated yet. */
async function gameWithTests(): Promise<string> {
  const root = await tempDir();
  await writeProject(root, {
    'vitest.config.mjs': `import meshy from ${JSON.stringify(pathToFileURL(join(repo, 'dist/index.js')).href)};
export default { plugins: [meshy({ apiKey: ${JSON.stringify(API_KEY)}, apiBase: ${JSON.stringify(emulator.url)} })], test: { globals: true, include: ['*.test.js'] } };`,
    'crate.js': `import url, { meta } from 'meshy:prompt?text=a crate only tests import';\nexport const crate = { url, meta };`,
    'crate.test.js': `import { crate } from './crate.js';\ntest('the crate loads', () => {\n  expect(typeof crate.url).toBe('string');\n  expect(crate.meta.status).toBe('pending');\n});`,
  });
  return root;
}

/** `vitest run` in the project, as its developer would type it (without this suite's own VITEST variables). */
async function vitest(root: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST') && name !== 'MESHY_API_KEY'));
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', root], {
      env: { ...clean, NO_COLOR: '1', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('a game tested with Vitest', () => {
  it.each([
    ['on a laptop', { CI: '' }],
    ['on CI', { CI: 'true' }],
  ])('%s: an uncached import is a placeholder with one warning, and nothing reaches Meshy', async (_where, env) => {
    const root = await gameWithTests();
    const before = emulator.stats();
    const result = await vitest(root, env);
    expect(result.out).toMatch(/1 passed/);
    expect(result.code).toBe(0);
    expect(result.out.match(/offline: "a crate only tests import"/g)).toHaveLength(1);
    expect(emulator.stats().requests).toBe(before.requests);
    expect(emulator.stats().tasksCreated).toBe(before.tasksCreated);
  });
});
