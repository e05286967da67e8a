import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createProject, type MeshyPluginOptions } from '../../src/project/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const API_KEY = 'msy_spend_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 5, balance: 777 });
});
afterAll(() => emulator.close());

const PROMPTS = ['a spend crate', 'a spend lamp', 'a spend barrel', 'a spend kettle']; // 30 credits each, textured

/** A project against the emulator as if it were Meshy (its credits are not labelled emulated), with a person at a terminal answering `answer`. */
async function projectAt(answer: boolean, { interactive = true, options = {} }: { interactive?: boolean; options?: MeshyPluginOptions } = {}) {
  const root = await tempDir();
  const lines: string[] = [];
  const questions: string[] = [];
  const project = createProject(
    { mode: 'generate', apiKey: API_KEY, apiBase: emulator.url, storeDir: join(root, '.meshy'), optimize: false, ...options },
    {
      root,
      env: {},
      ci: false,
      testRunner: false,
      interactive,
      ask: async (question) => {
        questions.push(question);
        return answer;
      },
      logSink: { info: (line) => lines.push(line), warn: (line) => lines.push(line), error: (line) => lines.push(line) },
    },
  );
  return { project, lines, questions };
}

describe('cost before spending, in a project', () => {
  it('at a terminal, over 100 credits: one line with the balance, one question; a no pays nothing', async () => {
    const { project, lines, questions } = await projectAt(false);
    const before = emulator.stats().tasksCreated;
    const results = await Promise.allSettled(PROMPTS.map((text) => project.source.get(project.parse(`meshy:prompt?text=${text}`))));
    await project.close();
    expect(results.every((result) => result.status === 'rejected' && (result.reason as { code: string }).code === 'MESHY_SPEND_DECLINED')).toBe(true);
    expect(emulator.stats().tasksCreated).toBe(before);
    expect(lines.filter((line) => line.includes('about to generate'))).toEqual([
      expect.stringMatching(/about to generate 4 models with Meshy: ~120 credits \(balance: \d+ credits\)$/),
    ]);
    expect(questions).toEqual(['Spend ~120 credits on them? (y/N) ']);
  });

  it('a yes generates; under the threshold, or with maxCredits set, or without a terminal, nothing is asked', async () => {
    const yes = await projectAt(true);
    const before = emulator.stats().tasksCreated;
    const made = await Promise.all(PROMPTS.map((text) => yes.project.source.get(yes.project.parse(`meshy:prompt?text=${text}`))));
    await yes.project.close();
    expect(yes.questions).toHaveLength(1);
    expect(made.every((model) => model.generated)).toBe(true);
    expect(emulator.stats().tasksCreated - before).toBe(8);

    // Four untextured models: 80 credits, under the threshold.
    const under = await projectAt(false);
    await Promise.all(PROMPTS.map((text) => under.project.source.get(under.project.parse(`meshy:prompt?text=${text}&textured=false`))));
    await under.project.close();
    expect(under.questions).toEqual([]);
    expect(under.lines.filter((line) => line.includes('about to generate'))).toEqual([expect.stringContaining('4 models with Meshy: ~80 credits')]);

    for (const setup of [{ options: { maxCredits: 1000 } }, { interactive: false }, { options: { confirmCredits: 500 } }]) {
      const { project, questions, lines } = await projectAt(false, setup);
      await Promise.all(PROMPTS.map((text) => project.source.get(project.parse(`meshy:prompt?text=${text} ${JSON.stringify(setup)}`))));
      await project.close();
      expect(questions).toEqual([]);
      expect(lines.filter((line) => line.includes('about to generate 4 models'))).toHaveLength(1);
    }
  });
});
