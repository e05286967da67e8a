import { once } from 'node:events';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DevEnvironment, isFileLoadingAllowed, type Logger, loadEnv, type Plugin, type ResolvedConfig, type ViteDevServer } from 'vite';
import { storeLayout } from '../cache/layout.js';
import type { GenerationEvent, ModelResult } from '../generate/index.js';
import { IMPORT_PREFIX, RESOLVED_PREFIX } from '../imports/id.js';
import type { MeshySpec } from '../imports/index.js';
import { isCi, isTestRunner, meshyEnv } from '../project/environment.js';
import type { LogSink, MeshyPluginOptions, MeshyProject } from '../project/index.js';
import { createLogger, type MeshyLogger } from '../project/logger.js';
import { findLiteralImports } from '../project/preflight.js';
import type { DevModels } from './dev.js';
import { findConfigFile, watchConfigFile } from './meshy-config.js';
import { moduleCode, moduleHmrCode } from './module-code.js';
import { OVERLAY_ID, overlayModuleCode } from './overlay.js';
import type { FullProject } from './project-setup.js';
import { createErrorReport } from './reported-errors.js';
import { createDevMiddleware, DEV_URL_SEGMENT } from './serve.js';
import { configFilesUnchanged, openWarmSession, readWarmRecord, type WarmGlue, type WarmSession, warmFingerprint } from './warm.js';

export const PLUGIN_NAME = 'vite-plugin-meshy';

const importFilter = new RegExp(`^${IMPORT_PREFIX}`);
const resolvedFilter = new RegExp(`^${RESOLVED_PREFIX}`);
const overlayFilter = new RegExp(`^${OVERLAY_ID}$`);

/** The heavy half of the plugin (options schema, import kinds, store, pipeline): loaded on first need, never for a warm build. */
const loadSetup = () => import('./project-setup.js');
type ProjectSetup = Awaited<ReturnType<typeof loadSetup>>;

/** What one plugin instance knows once Vite has resolved its config. */
interface Resolved {
  isBuild: boolean;
  base: string;
  root: string;
  /** Folders the build-start scan skips: the build output and `public/`. */
  scanSkip: string[];
  /** The project's settings the glue needs: from the warm record, or from the project once set up. */
  glue: WarmGlue;
  log: MeshyLogger;
  /** The warm record's use (undefined: the options hold something a record cannot fingerprint). */
  warm: WarmSession | undefined;
  /** The config file and its local imports, as found when the project was set up (or recorded). */
  configFiles: readonly string[] | undefined;
  /** The project, once set up (at once when the record could not be used, else on the first need). */
  full: FullProject | undefined;
  setUp(): Promise<FullProject>;
}

/**
 * `import url, { meta } from 'meshy:prompt?text=…'` → a generated, optimized, cached GLB asset.
 * The plugin translates Vite's hooks only: the project (options, store, Meshy connection) comes from
 * `createProject` (through project-setup.ts, loaded on first need), and parsing, generation,
 * optimization and storage live in their own modules. A build whose every import the warm record
 * lists (src/vite/warm.ts) serves them from it, without setting the project up.
 */
export function meshy(userOptions: MeshyPluginOptions = {}): Plugin & { api: { project(): Promise<MeshyProject> } } {
  /** Expected errors without stack frames; in a build, an error shared by several imports printed once. */
  const errors = createErrorReport();
  /** Vite may resolve the config once per environment (client, ssr): they share one project, so one generation serves both. */
  let resolved: Promise<Resolved> | undefined;
  let current: Resolved | undefined;
  let dev: DevModels | undefined;
  /** Dev: the server, for the dev models made once the project is set up. */
  let devServer: ViteDevServer | undefined;
  /** `\0meshy:` ids that a module of the project imports: the only ones the dev server may generate. */
  const projectImports = new Set<string>();
  /** The optimized variants (model and optimize overrides) those imports ask for: the only ones the dev server may make. */
  const projectVariants = new Set<string>();
  /** Imports the warm record resolved (`[id, importer]`): their variants join projectVariants once the project is set up. */
  const unparsedImports: [string, string][] = [];
  /** Per environment's build: the asset each stored file was emitted as. */
  const emittedFiles = new WeakMap<object, Map<string, Promise<string>>>();
  /** Dev: resolves once the server listens (start-up work that can wait, waits for it). */
  let listening: Promise<unknown> | undefined;
  /** The build-start validation, once per build (Vite may start one per environment): whether every import is valid. */
  let preflight: Promise<boolean> | undefined;
  /** A build that failed writes no warm record. */
  let failed = false;
  /** Resolved id → the model's name: a dynamic import's chunk is named after it. */
  const modelNames = new Map<string, string>();
  /** Dev: the next write of the warm record, once new models were served. */
  let saveTimer: NodeJS.Timeout | undefined;
  const ready = (): Resolved => {
    if (!current) throw new Error('vite-plugin-meshy: the Vite config has not been resolved yet');
    return current;
  };
  const fullProject = async (): Promise<FullProject> => {
    try {
      return await ready().setUp();
    } catch (error) {
      throw errors.shown(error);
    }
  };

  /** Dev: the models' background generations, HMR swaps and progress, made with the project. */
  let devModels: Promise<DevModels> | undefined;
  function startDevModels(full: FullProject, server: ViteDevServer): Promise<DevModels> {
    const { base } = ready();
    const { project } = full;
    const client = server.environments.client;
    devModels ??= loadSetup().then(({ createDevModels }) => {
      dev = createDevModels({
        source: project.source,
        layout: project.layout,
        send: (event, data) => client.hot.send(event, data),
        reload: (ids) => reloadImported(client, ids, (id) => project.resolve(id)),
        urlOf: (model) => devUrl(base, model),
        log: project.log.info,
        logError: project.log.error,
        redact: project.log.redact,
        maker: project.settings.usesEmulator ? 'the emulator' : 'Meshy',
      });
      return dev;
    });
    return devModels;
  }

  /** Dev: writes the warm record a moment after new models were served, once the imports were found valid. */
  function scheduleSave(delayMs = 1000): void {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void saveDevRecord(), delayMs).unref();
  }
  async function saveDevRecord(): Promise<void> {
    const state = current;
    // A source edit (watchChange) voids the last check: the record is written only for imports found valid as they are now.
    if (!state?.warm || !(await (preflight ??= checkImports()).catch(() => false))) return;
    await state.warm.save(state.glue, state.configFiles ?? []).catch((error: Error) => state.log.warn(`could not write the warm record: ${error.message}`));
  }

  /** The whole validation of the project's imports (every named model and literal import parsed, file inputs read). */
  async function fullPreflight(): Promise<boolean> {
    const { scanSkip } = ready();
    const full = await fullProject();
    const setup = await loadSetup();
    const invalid = await setup.findInvalidImports(full.project, {
      skip: scanSkip,
      describeNamedModel: full.describeNamedModel,
      // Valid ids go into the warm record: a later build or dev start validates from it.
      onParsed: (id, parsed) => rememberParsed(setup, id, parsed),
    });
    if (invalid.length === 0) return true;
    throw errors.shown(new setup.MeshyInvalidImportsError(invalid));
  }

  /** An id the project parsed, for the warm record: only one whose meaning depends on no importer and no file. */
  function rememberParsed(setup: ProjectSetup, id: string, { spec, resolvedId }: { spec: MeshySpec; resolvedId: string }): void {
    const { warm, isBuild } = ready();
    if (!warm || setup.inputFilesOf(spec).length > 0) return;
    warm.rememberId(id, resolvedId);
    // The browser asks for the module by its decoded id: `load` finds the record's model from it too.
    if (!isBuild) warm.rememberId(asRequested(resolvedId), resolvedId);
  }

  /** Validation from the record when it lists every literal import of the sources, else the whole of it. */
  async function checkImports(): Promise<boolean> {
    const { warm, root, scanSkip, glue } = ready();
    if (warm && !ready().full) {
      const literals = await findLiteralImports(root, [glue.storeDir, ...scanSkip]);
      if (warm.covers(literals.map((literal) => literal.id))) return true;
    }
    return fullPreflight();
  }

  return {
    name: PLUGIN_NAME,
    // Before Vite's resolver: it takes an id holding `https://` (`meshy:image?src=https://…`) for an
    // external URL, which a build then leaves in the bundle and dev mangles to `https:/…`.
    enforce: 'pre',

    /** For the CLI: this project, as its Vite config sets it up. */
    api: {
      project: async () => (await fullProject()).project,
    },

    /**
     * The client helper is pre-bundled from the start: found late (an import the dependency scan did
     * not reach), it would make Vite re-optimize and reload the page on the first visit.
     */
    config(config) {
      if (isInstalledPackage(resolve(config.root ?? process.cwd()), CLIENT_ID)) return { optimizeDeps: { include: [CLIENT_ID] } };
    },

    async configResolved(config) {
      current = await (resolved ??= resolveVite(config, userOptions, (event) => dev?.onEvent(event))).catch((error) => {
        throw errors.shown(error);
      });
    },

    /**
     * Every import of the project is validated before any module is loaded, so a build never pays
     * for some imports and then fails on another. A dev server reports the problems and keeps running.
     */
    async buildStart() {
      const { isBuild, warm, log } = ready();
      errors.reset();
      failed = false;
      warm?.startBuild();
      emittedFiles.delete(this.environment); // a watch rebuild emits anew
      const check = () => (preflight ??= checkImports());
      if (!isBuild) {
        // A dev server waits for buildStart before it listens: it reports invalid imports once it does, and keeps serving.
        void (listening ?? Promise.resolve())
          .then(check)
          .then(() => scheduleSave(0))
          .catch((error: Error) =>
            log.error(error.name === 'MeshyInvalidImportsError' ? error.message : `could not check the project's meshy: imports: ${error.message}`),
          );
        return;
      }
      await check();
    },

    buildEnd(error) {
      if (error) failed = true;
      const full = current?.full;
      const report = full?.project.source.dryRunReport();
      if (!full || !report || report.models.length === 0) return;
      return loadSetup().then(({ creditsText, savingText }) => {
        const emulated = full.project.settings.usesEmulator;
        const saving = (saved: number | undefined) => (saved ? `; ${savingText(saved, emulated)}` : '');
        const lines = report.models.map((model) => `  - "${model.label}" ~${creditsText(model.credits, emulated)}${saving(model.saved)}`);
        full.project.log.info(
          `dry run: ${report.models.length} model(s) would be generated for ~${creditsText(report.credits, emulated)} (nothing was spent${saving(report.saved)}):\n${lines.join('\n')}`,
        );
      });
    },

    watchChange() {
      preflight = undefined; // `vite build --watch`: the next build validates the sources as they are then
    },

    resolveId: {
      filter: { id: importFilter },
      // Not async: a warm import is answered at once, without a promise crossing into the bundler.
      handler(source, importer, hookOptions) {
        // Vite's dependency scan only looks for packages: a `meshy:` import is none, and one that does
        // not parse must not fail the whole scan (every dependency would then be found late, one reload each).
        if ((hookOptions as { scan?: boolean } | undefined)?.scan) return { id: source, external: true };
        const { isBuild, warm, root } = ready();
        const inProject = !isBuild && importer !== undefined && isProjectFile(root, importer);
        const recorded = warm?.resolvedIdOf(source);
        if (!recorded) return resolveFromProject(source, importer, inProject);
        if (!isBuild) warm!.rememberId(asRequested(recorded), recorded);
        if (inProject) {
          projectImports.add(recorded);
          // Its variant is needed only if its module takes the full path: worked out then, by the project.
          unparsedImports.push([source, importer!]);
        }
        return isBuild ? recorded : asRequested(recorded);
      },
    },

    load: {
      filter: { id: [resolvedFilter, overlayFilter] },
      async handler(id) {
        if (id === OVERLAY_ID) return { code: overlayModuleCode({ emulated: ready().glue.usesEmulator }), moduleType: 'js' };
        const { isBuild, base, warm } = ready();
        const recorded = warm?.model(warm.resolvedIdOf(id) ?? id);
        if (recorded) modelNames.set(id, recorded.name);
        const model = recorded
          ? { name: recorded.name, result: { key: recorded.key, path: recorded.path, meta: recorded.meta, generated: false } satisfies ModelResult }
          : await loadFromProject.call(this, id);
        if (!isBuild) return { code: moduleCode(JSON.stringify(devUrl(base, model.result)), model.result) + moduleHmrCode, moduleType: 'js' };
        const emitted = emittedFiles.get(this.environment) ?? emittedFiles.set(this.environment, new Map()).get(this.environment)!;
        // Imports of one file under one name (optimize variants that agree, equal specs) emit it once. Under
        // several names each is emitted, and the bundler keeps one file for them, named the same in every environment.
        const name = `${model.name}${extname(model.result.path)}`;
        const emittedAs = `${model.result.path}\0${name}`;
        let emitting = emitted.get(emittedAs);
        if (!emitting) {
          emitting = readFile(model.result.path).then((source) => this.emitFile({ type: 'asset', name, source }));
          emitted.set(emittedAs, emitting);
          emitting.catch(() => emitted.delete(emittedAs));
        }
        const referenceId = await emitting;
        // Vite 8 (Rolldown) resolves import.meta.ROLLDOWN_FILE_URL_*; Vite 7 replaces its __VITE_ASSET__ token.
        const url = this.meta.rolldownVersion ? `import.meta.ROLLDOWN_FILE_URL_${referenceId}` : JSON.stringify(`__VITE_ASSET__${referenceId}__`);
        return { code: moduleCode(url, model.result), moduleType: 'js' };
      },
    },

    configureServer(server) {
      const config = server.config;
      const { glue, log, configFiles, full } = ready();
      devServer = server;
      if (glue.usesEmulator) log.warn(emulatorLabel(glue.emulatorByDefault));
      const { optimized } = storeLayout(glue.storeDir);
      server.middlewares.use(createDevMiddleware({ optimizedDir: () => optimized, isAllowed: (path) => isFileLoadingAllowed(config, path) }));
      if (full) void startDevModels(full, server);
      const { httpServer } = server;
      listening = httpServer && !httpServer.listening ? once(httpServer, 'listening').then(() => new Promise(setImmediate)) : Promise.resolve();
      watchConfigFile(server, {
        root: config.root,
        configFile: userOptions.configFile,
        dependencies: configFiles,
        log: log.info,
        invalidate: () => void (resolved = undefined),
      });
      server.environments.client.hot.on('meshy:hello', (_data, browser) => browser.send('meshy:snapshot', dev?.running() ?? []));
      server.httpServer?.once('close', () => {
        clearTimeout(saveTimer);
        void current?.full?.project.close();
      });
    },

    transformIndexHtml(_html, context) {
      if (!context.server || !ready().glue.overlay) return;
      return [{ tag: 'script', attrs: { type: 'module', src: `${ready().base}@id/__x00__${OVERLAY_ID.slice(1)}` }, injectTo: 'head' }];
    },

    /** A dynamic `import('meshy:…')` gets a chunk named after its model (`a-wooden-crate-<hash>.js`), not after its import id. */
    outputOptions(output) {
      const pattern = output.chunkFileNames ?? '[name]-[hash].js';
      return {
        ...output,
        chunkFileNames: (chunk: ChunkInfo) => {
          const fileName = typeof pattern === 'function' ? pattern(chunk as Parameters<typeof pattern>[0]) : pattern;
          const name = chunk.facadeModuleId ? modelNames.get(chunk.facadeModuleId) : undefined;
          return name ? fileName.replaceAll('[name]', name) : fileName;
        },
      };
    },

    async closeBundle() {
      dev?.close();
      const state = current;
      if (!state) return;
      if (!state.isBuild) {
        clearTimeout(saveTimer);
        await saveDevRecord();
      } else if (!failed && (await preflight?.catch(() => false))) {
        await state.warm
          ?.save(state.glue, state.configFiles ?? [])
          .catch((error: Error) => state.log.warn(`could not write the warm record: ${error.message}`));
      }
      await state.full?.project.close();
    },
  };

  /** An import id the record does not list: parsed (and validated) by the project. */
  async function resolveFromProject(source: string, importer: string | undefined, inProject: boolean): Promise<string> {
    const { isBuild } = ready();
    const { project } = await fullProject();
    let parsed: ReturnType<MeshyProject['resolve']>;
    try {
      parsed = project.resolve(source, importer);
    } catch (error) {
      throw errors.shown(error);
    }
    const { spec, resolvedId } = parsed;
    const setup = await loadSetup();
    rememberParsed(setup, source, parsed);
    // What the dev server may generate and optimize; a build makes what it imports.
    if (inProject) {
      projectImports.add(resolvedId);
      projectVariants.add(setup.variantOf(project, spec));
    }
    return isBuild ? resolvedId : asRequested(resolvedId);
  }

  /** A `meshy:` module the record cannot serve: parsed, looked up, generated if need be, by the project. */
  async function loadFromProject(this: { addWatchFile(file: string): void }, id: string): Promise<{ name: string; result: ModelResult }> {
    const { isBuild, warm } = ready();
    const full = await fullProject();
    const { project } = full;
    const setup = await loadSetup();
    // The browser's request for a module arrives URL-decoded: `resolvedId` is the canonical spelling.
    const { spec, resolvedId } = project.resolve(id);
    const inputs = setup.inputFilesOf(spec);
    // Editing an input image or model regenerates: in dev through HMR, in the next build by its bytes.
    for (const file of inputs) this.addWatchFile(file);
    let result: ModelResult;
    if (!isBuild) {
      const models = await startDevModels(full, devServer!);
      for (const [source, importer] of unparsedImports.splice(0)) projectVariants.add(setup.variantOf(project, project.resolve(source, importer).spec));
      const access = { generate: projectImports.has(resolvedId), optimize: !spec.optimize || projectVariants.has(setup.variantOf(project, spec)) };
      result = await models.answer(spec, resolvedId, access).catch((error) => {
        throw errors.shown(error);
      });
    } else {
      result = await project.source.get(spec).catch((error) => {
        throw errors.once(error, `"${setup.describeSpec(spec)}"`);
      });
    }
    modelNames.set(resolvedId, spec.name);
    if (warm && result.storeFiles && inputs.length === 0 && result.meta.status === 'ready') {
      await warm.rememberModel(
        resolvedId,
        { name: spec.name, variant: setup.variantOf(project, spec), key: result.key, path: result.path, meta: result.meta },
        result.storeFiles,
      );
      if (!isBuild) scheduleSave();
    }
    return { name: spec.name, result };
  }
}

/** Changes with every build of the plugin (this module's file, its size and time): a record another build wrote is not used. */
function pluginBuild(): string {
  const file = fileURLToPath(import.meta.url);
  try {
    const { size, mtimeMs } = statSync(file);
    return `${file} ${size} ${mtimeMs}`;
  } catch {
    return `${file} ${Date.now()}`;
  }
}

/**
 * The plugin's state for this Vite config. With a warm record made under the same fingerprint (and
 * an unchanged config file), the project is set up only when something needs it; without one, at once.
 */
async function resolveVite(config: ResolvedConfig, userOptions: MeshyPluginOptions, onEvent: MeshyProjectEvents): Promise<Resolved> {
  const { root, command, mode } = config;
  const env = { ...loadEnv(mode, config.envDir || root, 'MESHY_'), ...meshyEnv(process.env) };
  const testRunner = mode === 'test' || isTestRunner();
  const logSink = viteSink(config.logger);
  const scanSkip = [resolve(root, config.build.outDir), ...(config.publicDir ? [config.publicDir] : [])];
  const configOption = userOptions.configFile;
  const fingerprint =
    configOption === undefined || configOption === false || typeof configOption === 'string'
      ? warmFingerprint({
          build: pluginBuild(),
          options: userOptions,
          env,
          command,
          mode,
          root,
          testRunner,
          ci: isCi(),
          configFile: findConfigFile(root, configOption) ?? null,
          scanSkip,
        })
      : undefined;
  // One per command and mode: a dev server, Vitest (mode `test`) and builds keep theirs side by side.
  const recordFile = join(config.cacheDir, 'vite-plugin-meshy', `warm-${command}-${mode.replace(/[^\w.-]/g, '_')}.json`);
  const found = fingerprint ? await readWarmRecord(recordFile, fingerprint) : undefined;
  const record = found && configFilesUnchanged(found) ? found : undefined;

  let setting: Promise<FullProject> | undefined;
  const state: Resolved = {
    isBuild: command === 'build',
    base: config.base,
    root,
    scanSkip,
    glue: record?.glue ?? { overlay: true, usesEmulator: false, emulatorByDefault: false, storeDir: root },
    log: createLogger(logSink, { secrets: [env.MESHY_API_KEY, typeof userOptions.apiKey === 'string' ? userOptions.apiKey : undefined] }),
    warm: undefined,
    configFiles: record?.configFiles.map(([path]) => path),
    full: undefined,
    setUp: () =>
      (setting ??= loadSetup()
        .then(({ setUpProject }) => setUpProject(config, userOptions, { env, testRunner, logSink, onEvent }))
        .then((full) => {
          const { project } = full;
          state.full = full;
          state.log = project.log;
          state.configFiles = full.configFile?.dependencies;
          state.glue = {
            overlay: project.options.overlay,
            usesEmulator: project.settings.usesEmulator,
            emulatorByDefault: project.settings.emulatorByDefault,
            storeDir: project.layout.dir,
          };
          return full;
        })),
  };
  if (!record) await state.setUp();
  if (fingerprint) {
    state.warm = openWarmSession({ file: recordFile, fingerprint, record, manifestPath: storeLayout(state.glue.storeDir).manifest, isBuild: state.isBuild });
  }
  return state;
}

/** The browser helper, as an app imports it. */
const CLIENT_ID = 'vite-plugin-meshy/client';

/** What a chunk-name function is told of a chunk (Rolldown's PreRenderedChunk, Rollup's too). */
interface ChunkInfo {
  facadeModuleId: string | null;
}

/** Whether `id` resolves from the root to an installed package (in node_modules, not this repository's own sources). */
function isInstalledPackage(root: string, id: string): boolean {
  try {
    return createRequire(join(root, 'package.json')).resolve(id).split(/[\\/]/).includes('node_modules');
  } catch {
    return false;
  }
}

/** The dev server's one line when models come from the emulator: stand-ins must never be taken for Meshy's. */
function emulatorLabel(byDefault: boolean): string {
  return byDefault
    ? "emulator: no MESHY_API_KEY (options, environment or .env), so models not already in the store come from the local Meshy emulator: stand-ins, not Meshy's, and emulated credits. Set MESHY_API_KEY for real models; `vite build` needs one."
    : "emulator: models come from the local Meshy emulator (`emulator` option): stand-ins, not Meshy's, and emulated credits.";
}

type MeshyProjectEvents = (event: GenerationEvent) => void;

function viteSink(logger: Logger): LogSink {
  return {
    info: (message) => logger.info(message, { timestamp: true }),
    warn: (message) => logger.warn(message, { timestamp: true }),
    error: (message) => logger.error(message, { timestamp: true }),
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
