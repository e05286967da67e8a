import { MeshyPluginError } from '../errors.js';
import type { GenerationMode } from '../generate/index.js';
import { userInfoSecrets } from '../meshy/urls.js';
import { cacheNamespaceFor, MESHY_API_BASE, type ResolvedPluginOptions } from './options.js';

/** The emulator's key: accepted by the emulator, meaningless anywhere else. */
export const EMULATOR_API_KEY = 'msy_emulator';

/** Where the options' defaults come from besides the options themselves. */
export interface SettingsEnv {
  /** `MESHY_*` variables: the process environment over the project's `.env` files. */
  env: Readonly<Record<string, string | undefined>>;
  /** True on a CI runner (the `CI` variable): models that are not stored fail instead of generating. */
  ci?: boolean;
  /** True under a test runner (Vitest, Vite's `test` mode): models that are not stored get placeholders, nothing is paid. */
  testRunner?: boolean;
}

/** The plugin's options with the environment applied: everything the project core acts on. */
export interface ProjectSettings {
  apiKey: string | undefined;
  apiBase: string;
  usesEmulator: boolean;
  mode: GenerationMode;
  namespace: string;
  maxCredits: number | undefined;
  dryRun: boolean;
  retryFailed: boolean;
  /** Masked in every line the plugin prints: the API key, and credentials in the API base's user-info. */
  secrets: string[];
}

export function resolveSettings(options: ResolvedPluginOptions, { env, ci = false, testRunner = false }: SettingsEnv): ProjectSettings {
  const usesEmulator = options.emulator !== false;
  const apiKey = options.apiKey ?? env.MESHY_API_KEY ?? (usesEmulator ? EMULATOR_API_KEY : undefined);
  const apiBase = options.apiBase ?? env.MESHY_API_BASE ?? MESHY_API_BASE;
  return {
    apiKey,
    apiBase,
    usesEmulator,
    mode: options.mode ?? defaultMode({ ci, testRunner }),
    namespace: options.cacheNamespace ?? cacheNamespaceFor(apiBase, apiKey, usesEmulator),
    maxCredits: options.maxCredits ?? parseCredits(env.MESHY_MAX_CREDITS),
    dryRun: options.dryRun ?? isTrue(env.MESHY_DRY_RUN),
    retryFailed: options.retryFailed ?? isTrue(env.MESHY_RETRY_FAILED),
    secrets: [...(apiKey ? [apiKey] : []), ...userInfoSecrets(apiBase)],
  };
}

/**
 * A test runner gets placeholders, on CI too: a test that imports a model never spends credits or
 * waits for Meshy. A CI build fails on what is not stored (it must not pay unseen); a person's build
 * generates.
 */
function defaultMode({ ci, testRunner }: { ci: boolean; testRunner: boolean }): GenerationMode {
  if (testRunner) return 'offline';
  return ci ? 'frozen' : 'generate';
}

/** Whether this process is a test runner's: Vitest sets `VITEST` in its workers and in the process that loads the config. */
export function isTestRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.VITEST && env.VITEST !== 'false';
}

/** Whether the `CI` variable says this runs on a CI runner (`CI=false` says it does not). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false';
}

/** The `MESHY_*` variables of an environment, empty ones left out. */
export function meshyEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('MESHY_') && !!entry[1]));
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function parseCredits(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const credits = Number(value);
  if (!Number.isInteger(credits) || credits < 0) {
    throw new MeshyPluginError('MESHY_INVALID_OPTIONS', `MESHY_MAX_CREDITS must be a whole number of credits; got "${value}"`);
  }
  return credits;
}
