import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { isFileLoadingAllowed, loadEnv, type DevEnvironment, type Plugin, type ResolvedConfig } from 'vite';
import { storeLayout, type StoreLayout } from '../cache/index.js';
import { MeshyPluginError, redact } from '../errors.js';
import { createModelSource, type GenerationEvent, type ModelResult, type ModelSourceOptions } from '../generate/index.js';
import type { MeshyProject } from '../cli/project.js';
import { createMeshyClient, type MeshyClient } from '../meshy/index.js';
import { IMPORT_PREFIX, inputFilesOf, KINDS, namedModelImports, parseMeshyImport, RESOLVED_PREFIX } from '../imports/index.js';
import { resolveConfiguredModels, watchConfigFile, type ConfiguredModels } from './config-file.js';
import { createDevModels, type DevModels } from './dev.js';
import { moduleCode, moduleHmrCode } from './module-code.js';
import { OVERLAY_ID, overlayModuleCode } from './overlay.js';
import { createDevMiddleware, DEV_URL_SEGMENT } from './serve.js';
import { writeModelTypes } from './typegen.js';
import {
  cacheNamespaceFor,
  MESHY_API_BASE,
  resolvePluginOptions,
  type MeshyPluginOptions,
  type ResolvedPluginOptions,
} from './options.js';

const importFilter = new RegExp(`^${IMPORT_PREFIX}`);
const resolvedFilter = new RegExp(`^${RESOLVED_PREFIX}`);
const overlayFilter = new RegExp(`^${OVERLAY_ID}$`);

/** The emulator's key: accepted by the emulator, meaningless anywhere else. */
const EMULATOR_API_KEY = 'msy_emulator';

interface PluginState {
  root: string;
  log: (line: string) => void;
  logError: (line: string) => void;
  /** Masks the API key. */
  redact: (text: string) => string;
  source: ReturnType<typeof createModelSource>;
  /** Another model source on the same store and connection, with some settings changed (CLI). */
  createSource: MeshyProject['createSource'];
  connect: () => Promise<MeshyClient>;
  layout: StoreLayout;
  stop: () => Promise<void>;
}

/**
 * `import url, { meta } from 'meshy:prompt?text=…'` → a generated, optimized, cached GLB asset.
 * The plugin is glue only: parsing, generation, optimization and storage live in their own modules.
 */
export function meshy(userOptions: MeshyPluginOptions = {}): Plugin & { api: { project(): MeshyProject } } {
  const options = resolvePluginOptions(userOptions);
  // Checked at once; configResolved adds the models of meshy.config.ts.
  let namedModels = namedModelImports(options.models, options.defaults, KINDS);
  /** The plugin's and the config file's named models, loaded once per server (start, restart) or build. */
  let configured: Promise<ConfiguredModels> | undefined;
  let configFile: ConfiguredModels['configFile'];
  let state: PluginState | undefined;
  /** Parses an import; file inputs resolve against the project root (known once the config is). */
  const parse = (id: string, importer?: string) => parseMeshyImport(id, importer?.split('?')[0], namedModels, state ? { root: state.root } : {});
  let isBuild = false;
  let base = '/';
  let dev: DevModels | undefined;
  /** `\0meshy:` ids that a module of the project imports: the only ones the dev server may generate. */
  const projectImports = new Set<string>();

  return {
    name: 'vite-plugin-meshy',

    /** For the CLI: this project's store, specs and Meshy connection, as its Vite config sets them. */
    api: {
      project(): MeshyProject {
        if (!state) throw new MeshyPluginError('MESHY_NOT_CONFIGURED', 'the Vite config has not been resolved yet');
        const current = state;
        return {
          root: current.root,
          layout: current.layout,
          namedModels,
          parse: (id, importer) => parse(id, importer).spec,
          createSource: (settings) => current.createSource(settings),
          connect: current.connect,
          close: current.stop,
        };
      },
    },

    async configResolved(config) {
      isBuild = config.command === 'build';
      base = config.base;
      // Vite may resolve the config once per environment (client, ssr): they share one state, so one
      // generation serves both.
      state ??= createState(config, options, (event) => dev?.onEvent(event));
      const { root, command, mode, inlineConfig } = config;
      const { configFile: file, models, imports } = await (configured ??= resolveConfiguredModels({
        root, configFile: options.configFile, models: options.models, defaults: options.defaults,
        reservedNames: KINDS, env: { command, mode }, configLoader: inlineConfig.configLoader,
      }));
      namedModels = imports;
      configFile = file;
      await writeModelTypes(state.layout.dir, models, state.layout.tmp).catch((error: Error) =>
        config.logger.warn(`[meshy] could not write the named models' types: ${error.message}`),
      );
    },

    resolveId: {
      filter: { id: importFilter },
      handler(source, importer) {
        const { resolvedId } = parse(source, importer);
        if (importer && state && isProjectFile(state.root, importer)) projectImports.add(resolvedId);
        return isBuild ? resolvedId : asRequested(resolvedId);
      },
    },

    load: {
      filter: { id: [resolvedFilter, overlayFilter] },
      async handler(id) {
        if (id === OVERLAY_ID) return { code: overlayModuleCode, moduleType: 'js' };
        // The browser's request for a module arrives URL-decoded: `resolvedId` is the canonical spelling.
        const { spec, resolvedId } = parse(id);
        // Editing an input image or model regenerates: in dev through HMR, in the next build by its bytes.
        for (const file of inputFilesOf(spec)) this.addWatchFile(file);
        if (!isBuild) {
          const model = dev ? await dev.answer(spec, resolvedId, projectImports.has(resolvedId)) : await state!.source.get(spec);
          return { code: moduleCode(JSON.stringify(devUrl(base, model)), model) + moduleHmrCode, moduleType: 'js' };
        }
        const model = await state!.source.get(spec);
        const referenceId = this.emitFile({ type: 'asset', name: `${spec.name}${extname(model.path)}`, source: await readFile(model.path) });
        // Vite 8 (Rolldown) resolves import.meta.ROLLDOWN_FILE_URL_*; Vite 7 replaces its __VITE_ASSET__ token.
        const url = this.meta.rolldownVersion ? `import.meta.ROLLDOWN_FILE_URL_${referenceId}` : JSON.stringify(`__VITE_ASSET__${referenceId}__`);
        return { code: moduleCode(url, model), moduleType: 'js' };
      },
    },

    configureServer(server) {
      const config = server.config;
      server.middlewares.use(
        createDevMiddleware({ optimizedDir: () => state?.layout.optimized, isAllowed: (path) => isFileLoadingAllowed(config, path) }),
      );
      const client = server.environments.client;
      const current = state!;
      dev = createDevModels({
        source: current.source,
        layout: current.layout,
        send: (event, data) => client.hot.send(event, data),
        reload: (ids) => reloadImported(client, ids, parse),
        urlOf: (model) => devUrl(base, model),
        log: current.log,
        logError: current.logError,
        redact: current.redact,
      });
      dev.warm();
      watchConfigFile(server, {
        root: config.root, configFile: options.configFile, loaded: configFile, log: current.log,
        invalidate: () => void (configured = undefined),
      });
      const news = dev;
      client.hot.on('meshy:hello', (_data, browser) => browser.send('meshy:snapshot', news.running()));
      server.httpServer?.once('close', () => void state?.stop());
    },

    transformIndexHtml(_html, context) {
      if (!context.server || !options.overlay) return;
      return [{ tag: 'script', attrs: { type: 'module', src: `${base}@id/__x00__${OVERLAY_ID.slice(1)}` }, injectTo: 'head' }];
    },

    buildEnd() {
      const report = state?.source.dryRunReport();
      if (!report || report.models.length === 0) return;
      const lines = report.models.map((model) => `  - "${model.label}" ~${model.credits} credits`);
      state!.log(`dry run: ${report.models.length} model(s) would be generated for ~${report.credits} credits (nothing was spent):\n${lines.join('\n')}`);
    },

    async closeBundle() {
      dev?.close();
      await state?.stop();
    },
  };
}

/**
 * The dev server URL-decodes the module URLs a browser requests: an id with escapes (`%20`) would
 * come back as another module graph node than its importer's, whose HMR updates the page never sees.
 * The decoded spelling comes back as itself. (`load` canonicalizes either.)
 */
function asRequested(resolvedId: string): string {
  try {
    return decodeURI(resolvedId);
  } catch {
    return resolvedId;
  }
}

function devUrl(base: string, model: ModelResult): string {
  return `${base}${DEV_URL_SEGMENT}${basename(model.path)}`;
}

/**
 * Reloads `meshy:` modules through the module graph, so HMR propagates. One import can have several
 * nodes (the importer's URL-encoded id, the browser's decoded one): all are invalidated, and those
 * something imports are reloaded. Nothing imports an edited or removed import's module any more:
 * reloading it would only reload the page, so it is just invalidated.
 */
function reloadImported(environment: DevEnvironment, resolvedIds: string[], parse: (id: string) => { resolvedId: string }): void {
  const targets = new Set(resolvedIds);
  for (const node of [...environment.moduleGraph.idToModuleMap.values()]) {
    const id = node.id?.startsWith(RESOLVED_PREFIX) ? canonicalId(node.id, parse) : undefined;
    if (!id || !targets.has(id)) continue;
    if (node.importers.size > 0) void environment.reloadModule(node);
    else environment.moduleGraph.invalidateModule(node);
  }
}

function canonicalId(id: string, parse: (id: string) => { resolvedId: string }): string | undefined {
  try {
    return parse(id).resolvedId;
  } catch {
    return undefined;
  }
}

/** A module of the project itself: inside the root, not a dependency, not virtual. */
function isProjectFile(root: string, importer: string): boolean {
  // Vite resolves a URL the browser asked for (`/@id/meshy:…`) as if `<root>/index.html` imported it;
  // a real import from HTML comes from its `index.html?html-proxy…` module.
  if (importer === join(root, 'index.html')) return false;
  const file = importer.split('?')[0]!;
  if (!isAbsolute(file)) return false;
  const rel = relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(/[\\/]/).includes('node_modules');
}

function createState(config: ResolvedConfig, options: ResolvedPluginOptions, onEvent: (event: GenerationEvent) => void): PluginState {
  const env = { ...loadEnv(config.mode, config.envDir || config.root, 'MESHY_'), ...pickMeshyEnv(process.env) };
  const usesEmulator = options.emulator !== false;
  const apiKey = options.apiKey ?? env.MESHY_API_KEY ?? (usesEmulator ? EMULATOR_API_KEY : undefined);
  const apiBase = options.apiBase ?? env.MESHY_API_BASE ?? MESHY_API_BASE;
  const mode = options.mode ?? (process.env.CI && process.env.CI !== 'false' ? 'frozen' : 'generate');
  const log = (line: string) => config.logger.info(`\x1b[35m[meshy]\x1b[0m ${redact(line, [apiKey])}`, { timestamp: true });
  const logError = (line: string) => config.logger.error(`\x1b[35m[meshy]\x1b[0m \x1b[31m${redact(line, [apiKey])}\x1b[0m`, { timestamp: true });
  let stopEmulator: (() => Promise<void>) | undefined;
  let client: Promise<MeshyClient> | undefined;

  async function startClient(): Promise<MeshyClient> {
    let baseUrl = apiBase;
    if (usesEmulator) {
      const { startEmulator } = await import('../emulator/index.js');
      const emulator = await startEmulator({ apiKeys: [EMULATOR_API_KEY], ...(options.emulator === true ? {} : options.emulator) });
      stopEmulator = () => emulator.close();
      baseUrl = emulator.url;
      log(`no Meshy API: using the local emulator at ${emulator.url}`);
    } else if (!apiKey) {
      throw new Error(
        'MESHY_API_KEY is not set, so models that are not cached cannot be generated. Set it in the environment or a .env file, or pass `apiKey` to meshy().',
      );
    }
    return createMeshyClient({
      apiKey: apiKey!,
      baseUrl,
      stream: options.stream,
      requestsPerSecond: options.requestsPerSecond,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      log,
    });
  }

  const layout = storeLayout(resolve(config.root, options.cacheDir));
  const maxCredits = options.maxCredits ?? parseCredits(env.MESHY_MAX_CREDITS);
  const dev = config.command === 'serve';
  const connect = () => (client ??= startClient());
  const sourceOptions: ModelSourceOptions = {
    layout,
    namespace: options.cacheNamespace ?? cacheNamespaceFor(apiBase, apiKey, usesEmulator),
    mode,
    concurrency: options.concurrency,
    optimize: options.optimize,
    connect,
    log,
    dryRun: options.dryRun ?? isTrue(env.MESHY_DRY_RUN),
    retryFailed: options.retryFailed ?? isTrue(env.MESHY_RETRY_FAILED),
    ...(maxCredits === undefined ? {} : { maxCredits }),
    ...(options.lockStaleMs === undefined ? {} : { lockStaleMs: options.lockStaleMs }),
  };
  return {
    connect,
    createSource: ({ log: print, ...settings }) =>
      createModelSource({ ...sourceOptions, log: (line) => print(redact(line, [apiKey])), ...settings }),
    root: config.root,
    log,
    logError,
    redact: (text) => redact(text, [apiKey]),
    layout,
    source: createModelSource({
      ...sourceOptions,
      // Dev shows the untextured preview while the texture is made, and reports progress to the browser.
      ...(dev ? { previews: true, onEvent } : {}),
    }),
    stop: async () => {
      const stop = stopEmulator;
      const connected = client;
      stopEmulator = undefined;
      client = undefined;
      await connected?.then((meshy) => meshy.close()).catch(() => undefined);
      await stop?.();
    },
  };
}

function pickMeshyEnv(env: NodeJS.ProcessEnv): Record<string, string> {
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
