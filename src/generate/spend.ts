import { MeshyPluginError } from '../errors.js';

/** Models about to be generated, and what they are estimated to cost together. */
interface SpendBatch {
  /** `saved`: what the rig's free clips spare the model (absent: nothing). */
  models: readonly { label: string; credits: number; saved?: number }[];
  credits: number;
}

/** What the admission asks before it lets cache misses be generated. */
export interface SpendCheck {
  /** Whether misses should still be gathered and shown to `check` (the cost line is due, or a question may be). */
  pending(): boolean;
  /** Resolves when `batch` may be generated; rejects (SpendDeclinedError) when the person said no. */
  check(batch: SpendBatch): Promise<void>;
}

export interface SpendCheckOptions {
  /** The emulator's credits are not money: they are labelled, and no question is asked about them. */
  emulated: boolean;
  /** The account's balance, when the API tells it (undefined, or a rejection, when it does not). */
  balance: () => Promise<number | undefined>;
  log: (line: string) => void;
  /** Ask before more than `threshold` credits are spent at once; absent when no one can answer (or `maxCredits` is set). */
  confirm?: { threshold: number; ask: (question: string) => Promise<boolean> };
}

class SpendDeclinedError extends MeshyPluginError {}

/** `30 credits`, or `30 emulated credits` when the emulator made them (they are not Meshy's). */
export function creditsText(credits: number, emulated: boolean): string {
  return `${credits} ${emulated ? 'emulated credits' : 'credits'}`;
}

/** `the rig's free walk/run clips save 6 credits`: what they spare against buying the clips from the library; '' when nothing. */
export function savingText(saved: number | undefined, emulated: boolean): string {
  return saved ? `the rig's free walk/run clips save ${creditsText(saved, emulated)}` : '';
}

/**
 * The line before the first paid task: `about to generate 3 models with Meshy: ~60 credits (balance:
 * 1200 credits)`; the balance is left out when the API does not say it, and what the rig's free
 * clips save is added when they save something.
 */
export function costLine({
  count,
  credits,
  balance,
  emulated,
  saved,
}: {
  count: number;
  credits: number;
  balance?: number | undefined;
  emulated: boolean;
  saved?: number | undefined;
}): string {
  const models = `${count} model${count === 1 ? '' : 's'}`;
  const by = emulated ? 'the local emulator' : 'Meshy';
  const short = balance !== undefined && credits > balance ? `; more than the balance of ${creditsText(balance, emulated)}` : '';
  const shown = balance === undefined || short ? short : ` (balance: ${creditsText(balance, emulated)})`;
  const saving = savingText(saved, emulated);
  return `about to generate ${models} with ${by}: ~${creditsText(credits, emulated)}${shown}${saving ? `; ${saving}` : ''}`;
}

/**
 * Cost before spending: before the first paid task, one line says how many models, their estimated
 * credits and the account's balance. A person at a terminal is asked (y/N) before more than the
 * threshold is spent at once, until they have said yes once; a "no" refuses that batch, paying nothing.
 */
export function createSpendCheck(options: SpendCheckOptions): SpendCheck {
  const confirm = options.emulated ? undefined : options.confirm;
  let announced = false;
  let agreed = false;
  return {
    pending: () => !announced || (confirm !== undefined && !agreed),
    async check({ models, credits }) {
      const question = confirm !== undefined && !agreed && credits > confirm.threshold;
      if (announced && !question) return;
      announced = true;
      const balance = await options.balance().catch(() => undefined);
      const saved = models.reduce((sum, model) => sum + (model.saved ?? 0), 0);
      options.log(costLine({ count: models.length, credits, balance, emulated: options.emulated, saved }));
      if (!question) return;
      if (await confirm.ask(`Spend ~${credits} credits on ${models.length === 1 ? 'it' : 'them'}? (y/N) `)) {
        agreed = true;
        return;
      }
      throw new SpendDeclinedError(
        'MESHY_SPEND_DECLINED',
        `Not generated: ${models.length === 1 ? 'a model' : `${models.length} models`} for ~${credits} credits, declined at the prompt; nothing was spent:\n` +
          `${models.map((model) => `  - "${model.label}" (~${model.credits} credits)`).join('\n')}\n` +
          `To generate without being asked, set \`maxCredits\` (a cap for each build) or raise \`confirmCredits\` (MESHY_CONFIRM_CREDITS, now ${confirm.threshold}); MESHY_DRY_RUN=1 lists what would be generated.`,
        { context: { credits, models: models.map((model) => model.label) } },
      );
    },
  };
}
