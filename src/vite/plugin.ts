import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { type DevEnvironment, isFileLoadingAllowed, type Logger, loadEnv, type Plugin, type ResolvedConfig } from 'vite';
import type { ModelResult } from '../generate/index.js';
import { creditsText, savingText } from '../generate/spend.js';
import { canonicalJson } from '../hash.js';
import { describeSpec, IMPORT_PREFIX, inputFilesOf, KINDS, type MeshySpec, namedModelImports, RESOLVED_PREFIX } from '../imports/index.js';
import { createProject, isTestRunner, type LogSink, type MeshyPluginOptions, type MeshyProject, meshyEnv, resolvePluginOptions } from '../project/index.js';
import { findInvalidImports, type InvalidImport, MeshyInvalidImportsError } from '../project/preflight.js';
import { type ConfiguredModels, resolveConfiguredModels, watchConfigFile } from './config-file.js';
import { createDevModels, type DevModels } from './dev.js';
import { moduleCode, moduleHmrCode } from './module-code.js';
import { OVERLAY_ID, overlayModuleCode } from './overlay.js';
import { createErrorReport } from './reported-errors.js';
import { createDevMiddleware, DEV_URL_SEGMENT } from './serve.js';
import { writeModelTypes } from './typegen.js';

export const PLUGIN_NAME = 'vite-plugin-meshy';

const importFilter = new RegExp(`^${IMPORT_PREFIX}`);
const resolvedFilter = new RegExp(`^${RESOLVED_PREFIX}`);
const overlayFilter = new RegExp(`^${OVERLAY_ID}$`);

/** What one plugin instance knows once Vite has resolved its config. */
interface Resolved {
  project: MeshyProject;
  configFile: ConfiguredModels['configFile'];
  isBuild: boolean;
  base: string;
  /** Folders the build-start scan skips: the build output and `public/`. */
  scanSkip: string[];
  /** Where a named model is defined, for messages. */
  describeNamedModel: (name: string) => string;
}

/**
 * `import url, { meta } from 'meshy:prompt?text=…'` → a generated, optimized, cached GLB asset.
 * The plugin translates Vite's hooks only: the project (options, store, Meshy connection) comes from
 * `createProject`, and parsing, generation, optimization and storage live in their own modules.
 */
export function meshy(userOptions: MeshyPluginOptions = {}): Plugin & { api: { project(): MeshyProject } } {
  /** Expected errors without stack frames; in a build, an error shared by several imports printed once. */
  const errors = createErrorReport();
  let options: ReturnType<typeof resolvePluginOptions>;
  try {
    options = resolvePluginOptions(userOptions);
    // Checked at once, so a bad named model fails before any config is loaded.
    namedModelImports(options.models, options.defaults, KINDS);
  } catch (error) {
    throw errors.shown(error);
  }
  /** Vite may resolve the config once per environment (client, ssr): they share one project, so one generation serves both. */
  let resolved: Promise<Resolved> | undefined;
  let current: Resolved | undefined;
  let dev: DevModels | undefined;
  /** `\0meshy:` ids that a module of the project imports: the only ones the dev server may generate. */
  const projectImports = new Set<string>();
  /** The optimized variants (model and optimize overrides) those imports ask for: the only ones the dev server may make. */
  const projectVariants = new Set<string>();
  /** Per environment's build: the asset each stored file was emitted as. */
  const emittedFiles = new WeakMap<object, Map<string, Promise<string>>>();
  /** Dev: resolves once the server listens (start-up work that can wait, waits for it). */
  let listening: Promise<unknown> | undefined;
  /** The build-start validation, once per build (Vite may start one per environment). */
  let preflight: Promise<InvalidImport[]> | undefined;
  const ready = (): Resolved => {
    if (!current) throw new Error('vite-plugin-meshy: the Vite config has not been resolved yet');
    return current;
  };

  return {
    name: PLUGIN_NAME,
    // Before Vite's resolver: it takes an id holding `https://` (`meshy:image?src=https://…`) for an
    // external URL, which a build then leaves in the bundle and dev mangles to `https:/…`.
    enforce: 'pre',

    /** For the CLI: this project, as its Vite config sets it up. */
    api: {
      project: () => ready().project,
    },

    /**
     * The client helper is pre-bundled from the start: found late (an import the dependency scan did
     * not reach), it would make Vite re-optimize and reload the page on the first visit.
     */
    config(config) {
      if (isInstalledPackage(resolve(config.root ?? process.cwd()), CLIENT_ID)) return { optimizeDeps: { include: [CLIENT_ID] } };
    },

    async configResolved(config) {
      current = await (resolved ??= resolveProject(config, userOptions, options, (event) => dev?.onEvent(event))).catch((error) => {
        throw errors.shown(error);
      });
    },

    /**
     * Every import of the project is validated before any module is loaded, so a build never pays
     * for some imports and then fails on another. A dev server reports the problems and keeps running.
     */
    async buildStart() {
      const { project, isBuild, scanSkip, describeNamedModel } = ready();
      errors.reset();
      emittedFiles.delete(this.environment); // a watch rebuild emits anew
      const check = () => (preflight ??= findInvalidImports(project, { skip: scanSkip, describeNamedModel }));
      if (!isBuild) {
        // A dev server waits for buildStart before it listens: it reports invalid imports once it does, and keeps serving.
        void (listening ?? Promise.resolve())
          .then(check)
          .then((invalid) => invalid.length > 0 && project.log.error(new MeshyInvalidImportsError(invalid).message))
          .catch((error: Error) => project.log.error(`could not check the project's meshy: imports: ${error.message}`));
        return;
      }
      const invalid = await check();
      if (invalid.length > 0) throw errors.shown(new MeshyInvalidImportsError(invalid));
    },

    watchChange() {
      preflight = undefined; // `vite build --watch`: the next build validates the sources as they are then
    },

    resolveId: {
      filter: { id: importFilter },
      handler(source, importer, hookOptions) {
        // Vite's dependency scan only looks for packages: a `meshy:` import is none, and one that does
        // not parse must not fail the whole scan (every dependency would then be found late, one reload each).
        if ((hookOptions as { scan?: boolean } | undefined)?.scan) return { id: source, external: true };
        const { project, isBuild } = ready();
        let parsed: ReturnType<MeshyProject['resolve']>;
        try {
          parsed = project.resolve(source, importer);
        } catch (error) {
          throw errors.shown(error);
        }
        const { spec, resolvedId } = parsed;
        // What the dev server may generate and optimize; a build makes what it imports.
        if (!isBuild && importer && isProjectFile(project.root, importer)) {
          projectImports.add(resolvedId);
          projectVariants.add(variantOf(project, spec));
        }
        return isBuild ? resolvedId : asRequested(resolvedId);
      },
    },

    load: {
      filter: { id: [resolvedFilter, overlayFilter] },
      async handler(id) {
        if (id === OVERLAY_ID) return { code: overlayModuleCode({ emulated: ready().project.settings.usesEmulator }), moduleType: 'js' };
        const { project, isBuild, base } = ready();
        // The browser's request for a module arrives URL-decoded: `resolvedId` is the canonical spelling.
        const { spec, resolvedId } = project.resolve(id);
        // Editing an input image or model regenerates: in dev through HMR, in the next build by its bytes.
        for (const file of inputFilesOf(spec)) this.addWatchFile(file);
        if (!isBuild) {
          const access = { generate: projectImports.has(resolvedId), optimize: !spec.optimize || projectVariants.has(variantOf(project, spec)) };
          const model = await (dev ? dev.answer(spec, resolvedId, access) : project.source.get(spec)).catch((error) => {
            throw errors.shown(error);
          });
          return { code: moduleCode(JSON.stringify(devUrl(base, model)), model) + moduleHmrCode, moduleType: 'js' };
        }
        const model = await project.source.get(spec).catch((error) => {
          throw errors.once(error, `"${describeSpec(spec)}"`);
        });
        const emitted = emittedFiles.get(this.environment) ?? emittedFiles.set(this.environment, new Map()).get(this.environment)!;
        // Imports of one file under one name (optimize variants that agree, equal specs) emit it once. Under
        // several names each is emitted, and the bundler keeps one file for them, named the same in every environment.
        const name = `${spec.name}${extname(model.path)}`;
        const emittedAs = `${model.path}\0${name}`;
        let emitting = emitted.get(emittedAs);
        if (!emitting) {
          emitting = readFile(model.path).then((source) => this.emitFile({ type: 'asset', name, source }));
          emitted.set(emittedAs, emitting);
          emitting.catch(() => emitted.delete(emittedAs));
        }
        const referenceId = await emitting;
        // Vite 8 (Rolldown) resolves import.meta.ROLLDOWN_FILE_URL_*; Vite 7 replaces its __VITE_ASSET__ token.
        const url = this.meta.rolldownVersion ? `import.meta.ROLLDOWN_FILE_URL_${referenceId}` : JSON.stringify(`__VITE_ASSET__${referenceId}__`);
        return { code: moduleCode(url, model), moduleType: 'js' };
      },
    },

    configureServer(server) {
      const config = server.config;
      const { project, base, configFile } = ready();
      if (project.settings.usesEmulator) project.log.warn(emulatorLabel(project.settings.emulatorByDefault));
      server.middlewares.use(createDevMiddleware({ optimizedDir: () => project.layout.optimized, isAllowed: (path) => isFileLoadingAllowed(config, path) }));
      const client = server.environments.client;
      const devModels = createDevModels({
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
      dev = devModels;
      // The placeholder (and gltf-transform with it) is made once the server listens, not before.
      const { httpServer } = server;
      listening = httpServer && !httpServer.listening ? once(httpServer, 'listening').then(() => new Promise(setImmediate)) : Promise.resolve();
      void listening.then(() => devModels.warm());
      watchConfigFile(server, {
        root: config.root,
        configFile: options.configFile,
        loaded: configFile,
        log: project.log.info,
        invalidate: () => void (resolved = undefined),
      });
      client.hot.on('meshy:hello', (_data, browser) => browser.send('meshy:snapshot', devModels.running()));
      server.httpServer?.once('close', () => void project.close());
    },

    transformIndexHtml(_html, context) {
      if (!context.server || !options.overlay) return;
      return [{ tag: 'script', attrs: { type: 'module', src: `${ready().base}@id/__x00__${OVERLAY_ID.slice(1)}` }, injectTo: 'head' }];
    },

    /** A dynamic `import('meshy:…')` gets a chunk named after its model (`a-wooden-crate-<hash>.js`), not after its import id. */
    outputOptions(output) {
      const pattern = output.chunkFileNames ?? '[name]-[hash].js';
      return {
        ...output,
        chunkFileNames: (chunk: ChunkInfo) => {
          const fileName = typeof pattern === 'function' ? pattern(chunk as Parameters<typeof pattern>[0]) : pattern;
          const name = current && chunk.facadeModuleId ? modelChunkName(current.project, chunk.facadeModuleId) : undefined;
          return name ? fileName.replaceAll('[name]', name) : fileName;
        },
      };
    },

    buildEnd() {
      const report = current?.project.source.dryRunReport();
      if (!report || report.models.length === 0) return;
      const emulated = current!.project.settings.usesEmulator;
      const saving = (saved: number | undefined) => (saved ? `; ${savingText(saved, emulated)}` : '');
      const lines = report.models.map((model) => `  - "${model.label}" ~${creditsText(model.credits, emulated)}${saving(model.saved)}`);
      current!.project.log.info(
        `dry run: ${report.models.length} model(s) would be generated for ~${creditsText(report.credits, emulated)} (nothing was spent${saving(report.saved)}):\n${lines.join('\n')}`,
      );
    },

    async closeBundle() {
      dev?.close();
      await current?.project.close();
    },
  };
}

/** The project as this Vite config sets it up: `.env` files, `meshy.config.ts`, Vite's logger. */
async function resolveProject(
  config: ResolvedConfig,
  userOptions: MeshyPluginOptions,
  options: ReturnType<typeof resolvePluginOptions>,
  onEvent: MeshyProjectEvents,
): Promise<Resolved> {
  const { root, command, mode, inlineConfig } = config;
  const { configFile, models, imports } = await resolveConfiguredModels({
    root,
    configFile: options.configFile,
    models: options.models,
    defaults: options.defaults,
    reservedNames: KINDS,
    env: { command, mode },
    configLoader: inlineConfig.configLoader,
  });
  const namedModelOrigins = new Map(configFile ? Object.keys(configFile.models).map((name) => [name, relative(root, configFile.file)] as const) : []);
  const project = createProject(userOptions, {
    root,
    command,
    testRunner: mode === 'test' || isTestRunner(),
    env: { ...loadEnv(mode, config.envDir || root, 'MESHY_'), ...meshyEnv(process.env) },
    namedModels: imports,
    namedModelOrigins,
    logSink: viteSink(config.logger),
    onEvent,
  });
  await writeModelTypes(project.layout.dir, models, project.layout.tmp).catch((error: Error) =>
    config.logger.warn(`[meshy] could not write the named models' types: ${error.message}`),
  );
  const describeNamedModel = (name: string) => {
    const file = namedModelOrigins.get(name);
    return file ? `${file} (models.${name})` : `meshy({ models: { ${name} } })`;
  };
  const scanSkip = [resolve(root, config.build.outDir), ...(config.publicDir ? [config.publicDir] : [])];
  return { project, configFile, isBuild: command === 'build', base: config.base, scanSkip, describeNamedModel };
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

/** The model's name for the chunk of a `meshy:` module (the name its asset gets), if the chunk is one. */
function modelChunkName(project: MeshyProject, facadeModuleId: string): string | undefined {
  if (!facadeModuleId.startsWith(RESOLVED_PREFIX)) return undefined;
  try {
    return project.resolve(facadeModuleId).spec.name;
  } catch {
    return undefined;
  }
}

/** The dev server's one line when models come from the emulator: stand-ins must never be taken for Meshy's. */
function emulatorLabel(byDefault: boolean): string {
  return byDefault
    ? "emulator: no MESHY_API_KEY (options, environment or .env), so models not already in the store come from the local Meshy emulator: stand-ins, not Meshy's, and emulated credits. Set MESHY_API_KEY for real models; `vite build` needs one."
    : "emulator: models come from the local Meshy emulator (`emulator` option): stand-ins, not Meshy's, and emulated credits.";
}

/** One optimized variant: the Meshy model (its key) and the import's optimize overrides. */
function variantOf(project: MeshyProject, spec: MeshySpec): string {
  return `${project.source.keyOf(spec)} ${canonicalJson(spec.optimize ?? null)}`;
}

type MeshyProjectEvents = NonNullable<Parameters<typeof createProject>[1]['onEvent']>;

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
