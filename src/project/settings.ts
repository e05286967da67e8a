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
  /** `serve`: a dev server, where `emulator: 'auto'` falls back to the emulator without a key; `build` otherwise. */
  command?: 'build' | 'serve';
  /** A person at a terminal who can answer a question (stdin and stdout are TTYs, not CI, not a test runner). */
  interactive?: boolean;
}

/**
 * Where models are generated: the Meshy API, the bundled emulator, or nowhere (no key, and not a dev
 * server: a build must not ship the emulator's stand-ins by accident, so a miss fails before anything is made).
 */
export type Backend = 'meshy' | 'emulator' | 'none';

/** The plugin's options with the environment applied: everything the project core acts on. */
export interface ProjectSettings {
  apiKey: string | undefined;
  apiBase: string;
  backend: Backend;
  /** `backend` is the emulator because `emulator: 'auto'` found no key (a dev server): labelled as such. */
  emulatorByDefault: boolean;
  usesEmulator: boolean;
  mode: GenerationMode;
  /** Where generated models are written: the backend's own namespace in the store. */
  namespace: string;
  /**
   * Where stored models are looked for, in order. A dev server on the emulator by default (no key)
   * reads the real API's namespace first: models a teammate paid Meshy for are served as they are,
   * and only the missing ones are made by the emulator (written under `namespace`, never the real one).
   */
  readNamespaces: string[];
  maxCredits: number | undefined;
  dryRun: boolean;
  retryFailed: boolean;
  /** Ask before spending more than this many credits at once (interactive terminals, no maxCredits). */
  confirmCredits: number;
  /** Whether a question can be asked (see SettingsEnv.interactive). */
  interactive: boolean;
  /** Masked in every line the plugin prints: the API key, and credentials in the API base's user-info. */
  secrets: string[];
}

export function resolveSettings(
  options: ResolvedPluginOptions,
  { env, ci = false, testRunner = false, command = 'build', interactive = false }: SettingsEnv,
): ProjectSettings {
  const mode = options.mode ?? defaultMode({ ci, testRunner });
  const userKey = options.apiKey ?? env.MESHY_API_KEY;
  const backend = chooseBackend(options.emulator, { hasKey: !!userKey, command, mode });
  const usesEmulator = backend === 'emulator';
  const apiKey = userKey ?? (usesEmulator ? EMULATOR_API_KEY : undefined);
  const apiBase = options.apiBase ?? env.MESHY_API_BASE ?? MESHY_API_BASE;
  const emulatorByDefault = usesEmulator && options.emulator === 'auto';
  /** The namespace a key would use: the real API's (or the one `cacheNamespace` names). */
  const realNamespace = options.cacheNamespace ?? cacheNamespaceFor(apiBase, userKey, false);
  // An emulator chosen for want of a key never writes under the namespace a key would use.
  const namespace = !usesEmulator
    ? realNamespace
    : emulatorByDefault
      ? cacheNamespaceFor(apiBase, apiKey, true)
      : (options.cacheNamespace ?? cacheNamespaceFor(apiBase, apiKey, true));
  return {
    apiKey,
    apiBase,
    backend,
    emulatorByDefault,
    usesEmulator,
    mode,
    namespace,
    readNamespaces: emulatorByDefault ? [...new Set([realNamespace, namespace])] : [namespace],
    maxCredits: options.maxCredits ?? parseCredits('MESHY_MAX_CREDITS', env.MESHY_MAX_CREDITS),
    dryRun: options.dryRun ?? isTrue(env.MESHY_DRY_RUN),
    retryFailed: options.retryFailed ?? isTrue(env.MESHY_RETRY_FAILED),
    confirmCredits: options.confirmCredits ?? parseCredits('MESHY_CONFIRM_CREDITS', env.MESHY_CONFIRM_CREDITS) ?? DEFAULT_CONFIRM_CREDITS,
    interactive: interactive && !ci && !testRunner,
    secrets: [...(apiKey ? [apiKey] : []), ...userInfoSecrets(apiBase)],
  };
}

/** Above this many credits at once, an interactive session asks before spending (`confirmCredits`). */
const DEFAULT_CONFIRM_CREDITS = 100;

/**
 * `emulator: true` (or its options) and `false` say it; `'auto'` takes the real API when a key is
 * set, else the emulator in a dev server that generates, else none. A build (or the CLI) without a
 * key gets none: shipping the emulator's stand-ins must be asked for. A dev server that does not
 * generate (frozen on CI, offline under a test runner) reads the real API's cache: it calls no one.
 */
export function chooseBackend(
  emulator: ResolvedPluginOptions['emulator'],
  { hasKey, command, mode }: { hasKey: boolean; command: 'build' | 'serve'; mode: GenerationMode },
): Backend {
  if (emulator === 'auto') {
    if (hasKey) return 'meshy';
    return command === 'serve' && mode === 'generate' ? 'emulator' : 'none';
  }
  if (emulator !== false) return 'emulator';
  return hasKey ? 'meshy' : 'none';
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

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

function parseCredits(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const credits = Number(value);
  if (!Number.isInteger(credits) || credits < 0) {
    throw new MeshyPluginError('MESHY_INVALID_OPTIONS', `${name} must be a whole number of credits; got "${value}"`);
  }
  return credits;
}

/**
 * No key and no emulator: the models a build needs cannot be generated. Thrown at the first one, before
 * anything is created in the store, naming the three ways on.
 */
export function missingApiKeyError(storeDir: string, label?: string): MeshyPluginError {
  const what = label === undefined ? 'models that are not cached' : `"${label}" (not in the store ${storeDir})`;
  return new MeshyPluginError(
    'MESHY_NO_API_KEY',
    `MESHY_API_KEY is not set, so ${what} cannot be generated; nothing was created or paid for. Three ways on:\n` +
      '  - set MESHY_API_KEY (in the environment, or a .env file: MESHY_API_KEY=msy_…), or pass `apiKey` to meshy(): real models, paid in credits;\n' +
      "  - set `emulator: true` in meshy({ … }): the bundled emulator's stand-in models, free, never Meshy's;\n" +
      '  - run with MESHY_DRY_RUN=1: placeholders, and a list of what would be generated and what it would cost.',
    { context: { storeDir, ...(label === undefined ? {} : { model: label }) } },
  );
}
