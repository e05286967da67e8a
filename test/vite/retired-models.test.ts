import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { MeshyPluginOptions } from '../../src/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * Models Meshy retired (meshy-5 on 2026-10-10): a model generated with one before its day keeps being
 * served from the store after it, with a warning; one that would have to be generated is refused
 * before any Meshy request, naming the replacement. Every clock (the plugin's and the emulator's) is
 * set relative to the retirement day, so the test means the same whatever day it runs on.
 */
const API_KEY = 'msy_retired_test_key_0001';
const DAY = 24 * 60 * 60 * 1000;
const RETIRED_ON = Date.parse('2026-10-10T00:00:00Z');
const realNow = Date.now.bind(Date);
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  // The emulator reads the clock through Date.now, as the plugin does: both see the day set below.
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 10, now: () => Date.now() });
});
afterAll(() => emulator.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** From now on, every clock reads `days` after meshy-5's retirement (negative: before it), running on. */
function setDay(days: number): void {
  const shift = RETIRED_ON + days * DAY - realNow();
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
}

const options = (root: string): MeshyPluginOptions => ({
  apiKey: API_KEY,
  apiBase: emulator.url,
  mode: 'generate',
  storeDir: join(root, '.meshy'),
  optimize: false,
});

describe('retired models', () => {
  it('serves a model stored before its ai_model was retired, warning once per build and creating no task', async () => {
    const id = 'meshy:prompt?text=a relic crate&ai_model=meshy-5&textured=false';
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import crate from '${id}';\nimport './more.js';\nconsole.log(crate);`,
      // The same model under another name: one warning for both.
      'more.js': `import relic from '${id}&name=relic';\nconsole.log(relic);`,
    });
    setDay(-7);
    const before = emulator.stats();
    await buildProject(root, options(root));
    expect(emulator.stats().tasksCreated - before.tasksCreated).toBe(1);

    setDay(30);
    const requests = emulator.stats().requests;
    const logs: string[] = [];
    const built = await buildProject(root, options(root), { logs });
    expect(emulator.stats().requests).toBe(requests);
    // Both imports ship it (the bundler keeps one file for the same bytes under two names).
    expect([...built.assets.keys()].filter((name) => name.endsWith('.glb'))).toHaveLength(1);
    const warnings = logs.filter((line) => line.includes('was retired'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"a relic crate": meshy-5 was retired by Meshy on 2026-10-10 (its requests are refused); use meshy-6-lite');
    expect(warnings[0]).toContain('Its stored model is used; it cannot be generated again');
  });

  it('refuses to generate a model of a retired ai_model before any Meshy request, naming the replacement', async () => {
    const root = await tempDir();
    await writeProject(root, {
      // A valid model too: nothing is paid for it either.
      'main.js': `import a from 'meshy:prompt?text=a valid vase&textured=false';\nimport b from 'meshy:prompt?text=a new relic&ai_model=meshy-5';\nconsole.log(a, b);`,
    });
    setDay(30);
    const requests = emulator.stats().requests;
    const error = await buildProject(root, options(root)).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).toMatch(
      /main\.js:2: Invalid Meshy import "meshy:prompt\?text=a new relic&ai_model=meshy-5"[\s\S]*meshy-5 was retired by Meshy on 2026-10-10 \(its requests are refused\); use meshy-6-lite[\s\S]*"a new relic" is not in the Meshy cache/,
    );
    expect(error?.message).not.toContain('a valid vase');
    expect(emulator.stats().requests).toBe(requests);
    // Nothing was locked or journaled either.
    expect(await readdir(join(root, '.meshy')).catch(() => [])).not.toContain('locks');
  });
});
