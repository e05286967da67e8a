import { MeshyPluginError } from '../errors.js';
import type { GenerationMode } from './modes.js';
import type { SpendCheck } from './spend.js';

/** A model that is not cached and would have to be generated. */
interface PendingGeneration {
  key: string;
  label: string;
  /** Estimated from the pricing table before anything is spent. */
  credits: number;
  /** What the rig's free walk/run clips spare, against buying them from the library (absent: nothing). */
  saved?: number;
  /** Why it can no longer be generated: Meshy retired its ai_model (names the replacement). */
  retired?: string;
}

class CacheMissError extends MeshyPluginError {}
class RetiredModelError extends MeshyPluginError {}
class BudgetError extends MeshyPluginError {}

export interface AdmissionOptions {
  mode: GenerationMode;
  /** Most credits one build (one plugin instance) may spend; undefined = no cap. */
  maxCredits?: number;
  /** Generate nothing; report what would be generated and what it would cost. */
  dryRun: boolean;
  cacheDir: string;
  /**
   * Why nothing can be generated (no API key in a build): the error for the first miss to be
   * generated, thrown for it and every later one before anything is created. Frozen, offline and dry
   * runs are unaffected: they generate nothing.
   */
  unavailable?: (first: PendingGeneration) => Error;
  /** Asked before misses are generated: the cost line, and a question at a terminal. */
  spend?: SpendCheck;
  /** Told once, at the first miss in offline mode. */
  warn?: (line: string) => void;
  /**
   * Misses are gathered until none has arrived for this long, so that a refusal (frozen mode, over
   * budget) lists every missing model at once rather than the first one found.
   */
  quietMs?: number;
}

export interface Admission {
  /**
   * For a cache miss: 'generate'; 'placeholder' in a dry run and offline (nothing is sent to Meshy);
   * or a rejection (frozen, over budget).
   */
  admit(pending: PendingGeneration): Promise<'generate' | 'placeholder'>;
  /** What a dry run found so far; `saved` (when there is a saving) sums the models'. */
  dryRunReport(): { models: PendingGeneration[]; credits: number; saved?: number };
}

/** Decides, before anything is paid for, whether cache misses may be generated. */
export function createAdmission(options: AdmissionOptions): Admission {
  const quietMs = options.quietMs ?? 250;
  const dryRun: PendingGeneration[] = [];
  let reserved = 0;
  let batch: { pending: PendingGeneration; resolve: (v: 'generate') => void; reject: (e: Error) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;

  let warnedOffline = false;
  let unavailable: Error | undefined;
  const gathers = () => options.mode === 'frozen' || options.maxCredits !== undefined || (options.spend?.pending() ?? false);
  /** Batches are decided one after the other: a question at the terminal holds the next one. */
  let deciding = Promise.resolve();

  function schedule(): void {
    const waiting = batch;
    batch = [];
    deciding = deciding.then(() => decide(waiting));
  }

  async function decide(waiting: typeof batch): Promise<void> {
    const models = waiting.map((item) => item.pending);
    if (options.mode === 'frozen') {
      const error = new CacheMissError(
        'MESHY_CACHE_MISS',
        `${models.length === 1 ? 'A model is' : `${models.length} models are`} not in the Meshy cache (${options.cacheDir}) and mode is "${options.mode}", so nothing is generated:\n` +
          `${list(models)}\nGenerate ${models.length === 1 ? 'it' : 'them'} where MESHY_API_KEY is set (mode "generate") and commit the cache directory.`,
        { context: { mode: options.mode, missing: models.map((m) => m.key) } },
      );
      for (const item of waiting) item.reject(error);
      return;
    }
    const total = models.reduce((sum, model) => sum + model.credits, 0);
    if (options.maxCredits !== undefined && reserved + total > options.maxCredits) {
      const error = new BudgetError(
        'MESHY_OVER_BUDGET',
        `Generating ${models.length === 1 ? 'this model' : `these ${models.length} models`} would cost about ${total} credits, ` +
          `over the budget of ${options.maxCredits} (maxCredits / MESHY_MAX_CREDITS${reserved ? `; ${reserved} already committed in this build` : ''}). Nothing was spent on them:\n${list(models)}`,
        { context: { maxCredits: options.maxCredits, reserved, pending: models } },
      );
      for (const item of waiting) item.reject(error);
      return;
    }
    reserved += total;
    try {
      await options.spend?.check({ models, credits: total });
    } catch (error) {
      reserved -= total;
      for (const item of waiting) item.reject(error as Error);
      return;
    }
    for (const item of waiting) item.resolve('generate');
  }

  return {
    admit(pending) {
      // Meshy refuses it whatever the mode: said before anything is asked for, locked or paid.
      if (pending.retired) return Promise.reject(retiredError(pending, options.cacheDir));
      if (options.dryRun) {
        if (!dryRun.some((model) => model.key === pending.key)) dryRun.push(pending);
        return Promise.resolve('placeholder');
      }
      if (options.mode === 'offline') {
        if (!warnedOffline) {
          warnedOffline = true;
          options.warn?.(`offline: "${pending.label}" and any other model not in ${options.cacheDir} get a placeholder; nothing is sent to Meshy`);
        }
        return Promise.resolve('placeholder');
      }
      if (options.unavailable && options.mode !== 'frozen') {
        unavailable ??= options.unavailable(pending);
        return Promise.reject(unavailable);
      }
      if (!gathers()) return Promise.resolve('generate');
      return new Promise((resolve, reject) => {
        batch.push({ pending, resolve, reject });
        clearTimeout(timer);
        timer = setTimeout(schedule, quietMs);
      });
    },
    dryRunReport: () => {
      const saved = dryRun.reduce((sum, model) => sum + (model.saved ?? 0), 0);
      return { models: [...dryRun], credits: dryRun.reduce((sum, model) => sum + model.credits, 0), ...(saved ? { saved } : {}) };
    },
  };
}

function list(models: PendingGeneration[]): string {
  return models.map((model) => `  - "${model.label}" (~${model.credits} credits)`).join('\n');
}

function retiredError(pending: PendingGeneration, cacheDir: string): RetiredModelError {
  return new RetiredModelError(
    'MESHY_MODEL_RETIRED',
    `"${pending.label}" is not in the Meshy cache (${cacheDir}) and cannot be generated: ${pending.retired}. Nothing was sent to Meshy. ` +
      'Change its ai_model; models already generated with the retired one keep being served from the cache.',
    { context: { key: pending.key, retired: pending.retired } },
  );
}
