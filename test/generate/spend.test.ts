import { describe, expect, it } from 'vitest';
import { createAdmission } from '../../src/generate/admission.js';
import { costLine, createSpendCheck } from '../../src/generate/spend.js';

const crate = { key: 'k1', label: 'a crate', credits: 30 };
const lamp = { key: 'k2', label: 'a lamp', credits: 30 };
const ship = { key: 'k3', label: 'a ship', credits: 60 };

describe('the cost line', () => {
  it('says how many models, their credits and the balance; the emulator’s are labelled', () => {
    expect(costLine({ count: 3, credits: 60, balance: 1200, emulated: false })).toBe(
      'about to generate 3 models with Meshy: ~60 credits (balance: 1200 credits)',
    );
    expect(costLine({ count: 1, credits: 20, emulated: false })).toBe('about to generate 1 model with Meshy: ~20 credits');
    expect(costLine({ count: 2, credits: 50, balance: 40, emulated: false })).toBe(
      'about to generate 2 models with Meshy: ~50 credits; more than the balance of 40 credits',
    );
    expect(costLine({ count: 2, credits: 40, balance: 10_000, emulated: true })).toBe(
      'about to generate 2 models with the local emulator: ~40 emulated credits (balance: 10000 emulated credits)',
    );
  });

  it('says what the rig’s free walk/run clips save, when they save something', () => {
    expect(costLine({ count: 1, credits: 35, balance: 1200, emulated: false, saved: 6 })).toBe(
      "about to generate 1 model with Meshy: ~35 credits (balance: 1200 credits); the rig's free walk/run clips save 6 credits",
    );
    expect(costLine({ count: 1, credits: 35, emulated: false, saved: 0 })).toBe('about to generate 1 model with Meshy: ~35 credits');
  });

  it('sums the saving of the models a spend check is shown', async () => {
    const lines: string[] = [];
    const spend = createSpendCheck({ emulated: false, balance: async () => undefined, log: (line) => lines.push(line) });
    const admission = createAdmission({ mode: 'generate', dryRun: false, cacheDir: '.meshy', spend, quietMs: 5 });
    await Promise.all([admission.admit({ ...crate, saved: 6 }), admission.admit({ ...lamp, saved: 3 }), admission.admit(ship)]);
    expect(lines).toEqual(["about to generate 3 models with Meshy: ~120 credits; the rig's free walk/run clips save 9 credits"]);
  });
});

/** A spend check whose questions are answered from `answers`, recording what it printed and asked. */
function check(answers: boolean[], { emulated = false, threshold = 100, balance = async (): Promise<number | undefined> => 500 } = {}) {
  const lines: string[] = [];
  const questions: string[] = [];
  const spend = createSpendCheck({
    emulated,
    balance,
    log: (line) => lines.push(line),
    confirm: {
      threshold,
      ask: async (question) => {
        questions.push(question);
        return answers.shift() ?? false;
      },
    },
  });
  return { spend, lines, questions };
}

describe('cost before spending', () => {
  it('prints one line before the first paid batch, then nothing for later ones under the threshold', async () => {
    const { spend, lines, questions } = check([]);
    expect(spend.pending()).toBe(true);
    await spend.check({ models: [crate, lamp], credits: 60 });
    await spend.check({ models: [crate], credits: 30 });
    expect(lines).toEqual(['about to generate 2 models with Meshy: ~60 credits (balance: 500 credits)']);
    expect(questions).toEqual([]);
  });

  it('asks once above the threshold: yes spends, and is not asked again', async () => {
    const { spend, lines, questions } = check([true]);
    await spend.check({ models: [crate, lamp, ship], credits: 120 });
    expect(questions).toEqual(['Spend ~120 credits on them? (y/N) ']);
    expect(spend.pending()).toBe(false);
    await spend.check({ models: [ship, ship], credits: 120 });
    expect(questions).toHaveLength(1);
    expect(lines).toHaveLength(1);
  });

  it('a no refuses with an expected error naming the models and the ways on; nothing is spent', async () => {
    const { spend } = check([false]);
    const refusal = await spend.check({ models: [crate, lamp, ship], credits: 120 }).then(
      () => undefined,
      (error: Error & { code?: string }) => error,
    );
    expect(refusal?.code).toBe('MESHY_SPEND_DECLINED');
    expect(refusal?.message).toMatch(/^Not generated: 3 models for ~120 credits, declined at the prompt; nothing was spent:\n {2}- "a crate" \(~30 credits\)/);
    expect(refusal?.message).toMatch(/maxCredits.*confirmCredits` \(MESHY_CONFIRM_CREDITS, now 100\)/);
  });

  it('never asks about the emulator’s credits, and prints the line without a balance the API does not give', async () => {
    const emulated = check([], { emulated: true });
    await emulated.spend.check({ models: [crate, lamp, ship], credits: 120 });
    expect(emulated.questions).toEqual([]);
    const noBalance = check([], {
      balance: async () => {
        throw new Error('404');
      },
    });
    await noBalance.spend.check({ models: [crate], credits: 30 });
    expect(noBalance.lines).toEqual(['about to generate 1 model with Meshy: ~30 credits']);
  });

  it('the admission gathers the first misses into one batch for the line, and a no rejects them all', async () => {
    const { spend, lines } = check([false]);
    const admission = createAdmission({ mode: 'generate', dryRun: false, cacheDir: '.meshy', quietMs: 10, spend });
    const results = await Promise.allSettled([admission.admit(crate), admission.admit(lamp), admission.admit(ship)]);
    expect(lines).toEqual(['about to generate 3 models with Meshy: ~120 credits (balance: 500 credits)']);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // Under the threshold a later miss goes ahead: only the batch said no to is refused.
    expect(await admission.admit({ ...crate, key: 'k4' })).toBe('generate');
  });

  it('frozen, offline and dry runs never ask, and a missing backend fails before the question', async () => {
    for (const mode of ['frozen', 'offline'] as const) {
      const { spend, questions } = check([]);
      const admission = createAdmission({ mode, dryRun: false, cacheDir: '.meshy', quietMs: 5, spend });
      await admission.admit({ ...ship, credits: 500 }).catch(() => undefined);
      expect(questions).toEqual([]);
    }
    const { spend, questions } = check([]);
    const noKey = new Error('no key');
    const admission = createAdmission({ mode: 'generate', dryRun: false, cacheDir: '.meshy', spend, unavailable: () => noKey });
    await expect(admission.admit({ ...ship, credits: 500 })).rejects.toBe(noKey);
    await expect(admission.admit(crate)).rejects.toBe(noKey);
    expect(questions).toEqual([]);
  });
});
