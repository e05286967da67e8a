import { resolve } from 'node:path';
import { type StoreLayout, storeLayout } from '../cache/index.js';
import {
  createModelSource,
  createSpendCheck,
  type GenerationEvent,
  type GenerationMode,
  type ModelSource,
  type ModelSourceOptions,
} from '../generate/index.js';
import { inputFilesOf, KINDS, type MeshySpec, namedModelImports, type ParsedImport, parseMeshyImport } from '../imports/index.js';
import type { MeshyClient } from '../meshy/client.js';
import type { RemoteStore } from '../remote/index.js';
import { isCi, isTestRunner } from './environment.js';
import { createLogger, type LogSink, type MeshyLogger } from './logger.js';
import { type MeshyPluginOptions, newDeprecationWarnings, type ResolvedPluginOptions, resolvePluginOptions } from './options.js';
import { EMULATOR_API_KEY, missingApiKeyError, type ProjectSettings, resolveSettings } from './settings.js';

export type { LogSink } from './logger.js';
export { type MeshyPluginOptions, resolvePluginOptions } from './options.js';

/** What a project is created in: its folder, and the environment its options' defaults come from. */
export interface ProjectEnv {
  /** The project root: the store and file inputs resolve against it. */
  root: string;
  /** `serve`: a dev server (previews, progress events); `build` otherwise (builds, CLI, benchmarks). */
  command?: 'build' | 'serve';
  /** `MESHY_*` variables: the process environment over the project's `.env` files. Default: none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Whether this runs on CI (frozen by default). Default: the `CI` variable. */
  ci?: boolean;
  /** Whether a test runner loads the project (offline by default). Default: the `VITEST` variable. */
  testRunner?: boolean;
  /** Every named model as the import it stands for; default: the options' `models`. */
  namedModels?: ReadonlyMap<string, string>;
  /** The config file each named model of a file is defined in, relative to the root (`meshy.config.ts`); the options' own are not in it. */
  namedModelOrigins?: ReadonlyMap<string, string>;
  /** Where log lines go. Default: the console. */
  logSink?: LogSink;
  /** News of generations (dev servers). */
  onEvent?: (event: GenerationEvent) => void;
  /** Whether a person can answer a question here. Default: stdin and stdout are terminals (never on CI or under a test runner). */
  interactive?: boolean;
  /** Asks a yes/no question (the cost before spending). Default: on the terminal. */
  ask?: (question: string) => Promise<boolean>;
}

/** One project: its options resolved against its environment, its store, its Meshy connection. */
export interface MeshyProject {
  root: string;
  options: ResolvedPluginOptions;
  settings: ProjectSettings;
  layout: StoreLayout;
  namedModels: ReadonlyMap<string, string>;
  /** The config file a named model is defined in (root-relative), when it is not the plugin's options. */
  namedModelOrigins: ReadonlyMap<string, string>;
  log: MeshyLogger;
  /** The project's model source: generations in it are shared by everything that asks. */
  source: ModelSource;
  /** Parses an import id (named models included), resolving file inputs in the project; throws MeshySpecError. */
  resolve(id: string, importer?: string): ParsedImport;
  /** The spec of an import id (see `resolve`). */
  parse(id: string, importer?: string): MeshySpec;
  /** Another model source on the same store and connection, with some settings changed (CLI). */
  createSource(settings: SourceSettings): ModelSource;
  /** The Meshy API (or the emulator, started on first use): connected on the first cache miss only. */
  connect(): Promise<MeshyClient>;
  /** Closes the connection and stops the emulator, if they were started. */
  close(): Promise<void>;
  /** The team's remote store (remoteStore / MESHY_REMOTE_STORE), opened and probed on first use; undefined when none is configured or it cannot be reached. */
  remote(): Promise<RemoteStore | undefined>;
}

interface SourceSettings {
  concurrency?: number;
  mode?: GenerationMode;
  dryRun?: boolean;
  onEvent?: (event: GenerationEvent) => void;
  log: (line: string) => void;
  /** Progress lines of Meshy tasks; default `log`. */
  logProgress?: (line: string) => void;
}

const consoleSink: LogSink = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/**
 * options + environment → a project. Vite, the CLI, the benchmarks and tests all start here; nothing
 * is connected, started or read until a model needs it.
 */
export function createProject(userOptions: MeshyPluginOptions, env: ProjectEnv): MeshyProject {
  const options = resolvePluginOptions(userOptions);
  const root = resolve(env.root);
  const settings = resolveSettings(options, {
    env: env.env ?? {},
    ci: env.ci ?? isCi(),
    testRunner: env.testRunner ?? isTestRunner(),
    command: env.command ?? 'build',
    interactive: env.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true),
  });
  const log = createLogger(env.logSink ?? consoleSink, { secrets: settings.secrets });
  for (const notice of newDeprecationWarnings(userOptions)) log.warn(notice);
  const layout = storeLayout(resolve(root, options.storeDir));
  const namedModels = env.namedModels ?? namedModelImports(options.models, options.defaults, KINDS);
  const connection = createConnection(options, settings, log, layout.dir);
  /** The cost line and the question, per model source: each build, dev session or prefetch has its own. */
  const spendCheck = (print: (line: string) => void) =>
    createSpendCheck({
      emulated: settings.usesEmulator,
      balance: async () => (await connection.connect()).balance({ signal: AbortSignal.timeout(BALANCE_TIMEOUT_MS) }),
      log: print,
      ...(settings.interactive && settings.maxCredits === undefined ? { confirm: { threshold: settings.confirmCredits, ask: env.ask ?? askOnTerminal } } : {}),
    });
  const remote = remoteStoreOf(options.remoteStore ?? (env.env?.MESHY_REMOTE_STORE || undefined), log);

  const sourceOptions: ModelSourceOptions = {
    layout,
    namespace: settings.namespace,
    readNamespaces: settings.readNamespaces,
    mode: settings.mode,
    concurrency: options.concurrency,
    optimize: options.optimize,
    connect: connection.connect,
    log: log.info,
    warn: log.warn,
    dryRun: settings.dryRun,
    retryFailed: settings.retryFailed,
    emulated: settings.usesEmulator,
    ...(settings.backend === 'none' ? { unavailable: (first: { label: string }) => missingApiKeyError(layout.dir, first.label) } : {}),
    ...(settings.maxCredits === undefined ? {} : { maxCredits: settings.maxCredits }),
    ...(options.lockStaleMs === undefined ? {} : { lockStaleMs: options.lockStaleMs }),
    ...(remote ? { remote } : {}),
  };
  const resolveImport = memoizeParses((id: string, importer?: string) => parseMeshyImport(id, importer, namedModels, { root }));

  return {
    root,
    options,
    settings,
    layout,
    namedModels,
    namedModelOrigins: env.namedModelOrigins ?? new Map(),
    log,
    source: createModelSource({
      ...sourceOptions,
      spend: spendCheck(log.info),
      // Dev shows the untextured preview while the texture is made, and reports progress to the browser.
      ...(env.command === 'serve' ? { previews: true } : {}),
      ...(env.onEvent ? { onEvent: env.onEvent } : {}),
    }),
    resolve: resolveImport,
    parse: (id, importer) => resolveImport(id, importer).spec,
    createSource: ({ log: print, logProgress, ...changed }) =>
      createModelSource({
        ...sourceOptions,
        log: (line) => print(log.redact(line)),
        spend: spendCheck((line) => print(log.redact(line))),
        ...(logProgress ? { logProgress: (line: string) => logProgress(log.redact(line)) } : {}),
        ...changed,
      }),
    connect: connection.connect,
    close: connection.close,
    remote: remote ?? (() => Promise.resolve(undefined)),
  };
}

/** Parses remembered per project, so far at most this many. */
const MAX_REMEMBERED_PARSES = 10_000;

/**
 * A build parses each import three times (the build-start check, resolveId, load): the parse of an
 * import without file inputs depends on its id alone, and is done once. An import of a file is parsed
 * each time, as the file's bytes are part of its spec. Errors are never remembered.
 */
function memoizeParses(parse: (id: string, importer?: string) => ParsedImport): (id: string, importer?: string) => ParsedImport {
  const parsed = new Map<string, ParsedImport>();
  return (id, importer) => {
    const importerFile = importer?.split('?')[0];
    const key = `${id}\0${importerFile ?? ''}`;
    const known = parsed.get(key);
    if (known) return known;
    const result = parse(id, importerFile);
    if (inputFilesOf(result.spec).length === 0 && parsed.size < MAX_REMEMBERED_PARSES) {
      parsed.set(key, result);
      // The resolved id is the import's canonical spelling: `load` parses that, and gets the same spec.
      parsed.set(`${result.resolvedId}\0`, result);
    }
    return result;
  };
}

/** How long the cost line waits for the account's balance before it is printed without it. */
const BALANCE_TIMEOUT_MS = 5000;

/** A yes/no question on the terminal; anything but `y`/`yes` is no. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const flowing = process.stdin.readableFlowing;
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await terminal.question(question)).trim());
  } finally {
    terminal.close();
    // Closing pauses stdin: a dev server's own shortcuts read it too.
    if (flowing) process.stdin.resume();
  }
}

/**
 * The remote store, opened on first use: its module and the AWS SDK load only when one is configured
 * and a model is not in the local store. One opening per project, so a failure is one error.
 */
function remoteStoreOf(option: ResolvedPluginOptions['remoteStore'] | string, log: MeshyLogger): (() => Promise<RemoteStore | undefined>) | undefined {
  if (option === undefined) return undefined;
  let opened: Promise<RemoteStore | undefined> | undefined;
  return () => (opened ??= import('../remote/index.js').then(({ openRemoteStore }) => openRemoteStore(option, { env: process.env, log })));
}

/** The Meshy client, or the emulator and a client of it, made on first use. */
function createConnection(options: ResolvedPluginOptions, settings: ProjectSettings, log: MeshyLogger, storeDir: string) {
  let client: Promise<MeshyClient> | undefined;
  let stopEmulator: (() => Promise<void>) | undefined;

  async function start(): Promise<MeshyClient> {
    let baseUrl = settings.apiBase;
    if (settings.usesEmulator) {
      const { startEmulator } = await import('../emulator/index.js');
      const emulatorOptions = typeof options.emulator === 'object' ? options.emulator : {};
      const emulator = await startEmulator({ apiKeys: [EMULATOR_API_KEY], ...emulatorOptions });
      stopEmulator = () => emulator.close();
      baseUrl = emulator.url;
      // A dev server without a key has said so in its label already.
      if (!settings.emulatorByDefault) log.info(`no Meshy API: using the local emulator at ${emulator.url}`);
    } else if (!settings.apiKey) {
      throw missingApiKeyError(storeDir);
    }
    // The client (undici, the SSE parser) loads on the first cache miss, never on a hit.
    const { createMeshyClient } = await import('../meshy/client.js');
    return createMeshyClient({
      apiKey: settings.apiKey!,
      baseUrl,
      stream: options.stream,
      requestsPerSecond: options.requestsPerSecond,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      maxDownloadBytes: options.maxDownloadBytes,
      log: log.info,
    });
  }

  return {
    connect: () => (client ??= start()),
    async close() {
      const stop = stopEmulator;
      const connected = client;
      stopEmulator = undefined;
      client = undefined;
      await connected?.then((meshy) => meshy.close()).catch(() => undefined);
      await stop?.();
    },
  };
}
