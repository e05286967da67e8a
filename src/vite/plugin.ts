import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { loadEnv, type Plugin, type ResolvedConfig } from 'vite';
import { storeLayout } from '../cache/index.js';
import { MeshyPluginError, redact } from '../errors.js';
import { createModelSource, type ModelResult } from '../generate/index.js';
import { createMeshyClient, type MeshyClient } from '../meshy/index.js';
import { IMPORT_PREFIX, parseMeshyImport, RESOLVED_PREFIX } from '../spec/index.js';
import { createDevMiddleware, DEV_URL_SEGMENT } from './serve.js';
import {
  cacheNamespaceFor,
  MESHY_API_BASE,
  resolvePluginOptions,
  type MeshyPluginOptions,
  type ResolvedPluginOptions,
} from './options.js';

const importFilter = new RegExp(`^${IMPORT_PREFIX}`);
const resolvedFilter = new RegExp(`^${RESOLVED_PREFIX}`);

/** The emulator's key: accepted by the emulator, meaningless anywhere else. */
const EMULATOR_API_KEY = 'msy_emulator';

interface PluginState {
  root: string;
  log: (line: string) => void;
  source: ReturnType<typeof createModelSource>;
  optimizedDir: string;
  stop: () => Promise<void>;
}

/**
 * `import url, { meta } from 'meshy:prompt?text=…'` → a generated, optimized, cached GLB asset.
 * The plugin is glue only: parsing, generation, optimization and storage live in their own modules.
 */
export function meshy(userOptions: MeshyPluginOptions = {}): Plugin {
  const options = resolvePluginOptions(userOptions);
  let state: PluginState | undefined;
  let isBuild = false;
  let base = '/';

  return {
    name: 'vite-plugin-meshy',

    configResolved(config) {
      isBuild = config.command === 'build';
      base = config.base;
      // Vite may resolve the config once per environment (client, ssr): they share one state, so one
      // generation serves both.
      state ??= createState(config, options);
    },

    resolveId: {
      filter: { id: importFilter },
      handler(source, importer) {
        const where = importer && state ? displayPath(state.root, importer) : importer;
        return parseMeshyImport(source, where).resolvedId;
      },
    },

    load: {
      filter: { id: resolvedFilter },
      async handler(id) {
        const { spec } = parseMeshyImport(id);
        const model = await state!.source.get(spec);
        let url: string;
        if (isBuild) {
          const referenceId = this.emitFile({ type: 'asset', name: `${spec.name}.glb`, source: await readFile(model.path) });
          // Vite 8 (Rolldown) resolves import.meta.ROLLDOWN_FILE_URL_*; Vite 7 replaces its __VITE_ASSET__ token.
          url = this.meta.rolldownVersion ? `import.meta.ROLLDOWN_FILE_URL_${referenceId}` : JSON.stringify(`__VITE_ASSET__${referenceId}__`);
        } else {
          url = JSON.stringify(`${base}${DEV_URL_SEGMENT}${basename(model.path)}`);
        }
        return { code: moduleCode(url, model), moduleType: 'js' };
      },
    },

    configureServer(server) {
      server.middlewares.use(createDevMiddleware(() => state?.optimizedDir));
      server.httpServer?.once('close', () => void state?.stop());
    },

    buildEnd() {
      const report = state?.source.dryRunReport();
      if (!report || report.models.length === 0) return;
      const lines = report.models.map((model) => `  - "${model.label}" ~${model.credits} credits`);
      state!.log(`dry run: ${report.models.length} model(s) would be generated for ~${report.credits} credits (nothing was spent):\n${lines.join('\n')}`);
    },

    async closeBundle() {
      await state?.stop();
    },
  };
}

function moduleCode(urlExpression: string, model: ModelResult): string {
  return `export default ${urlExpression};\nexport const meta = ${JSON.stringify(model.meta)};\n`;
}

function displayPath(root: string, file: string): string {
  const clean = file.split('?')[0]!;
  if (!isAbsolute(clean)) return clean;
  const rel = relative(root, clean);
  return rel.startsWith('..') ? clean : rel;
}

function createState(config: ResolvedConfig, options: ResolvedPluginOptions): PluginState {
  const env = { ...loadEnv(config.mode, config.envDir || config.root, 'MESHY_'), ...pickMeshyEnv(process.env) };
  const usesEmulator = options.emulator !== false;
  const apiKey = options.apiKey ?? env.MESHY_API_KEY ?? (usesEmulator ? EMULATOR_API_KEY : undefined);
  const apiBase = options.apiBase ?? env.MESHY_API_BASE ?? MESHY_API_BASE;
  const mode = options.mode ?? (process.env.CI && process.env.CI !== 'false' ? 'frozen' : 'generate');
  const log = (line: string) => config.logger.info(`\x1b[35m[meshy]\x1b[0m ${redact(line, [apiKey])}`, { timestamp: true });
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
  return {
    root: config.root,
    log,
    optimizedDir: layout.optimized,
    source: createModelSource({
      layout,
      namespace: options.cacheNamespace ?? cacheNamespaceFor(apiBase, apiKey, usesEmulator),
      mode,
      concurrency: options.concurrency,
      optimize: options.optimize,
      connect: () => (client ??= startClient()),
      log,
      dryRun: options.dryRun ?? isTrue(env.MESHY_DRY_RUN),
      retryFailed: options.retryFailed ?? isTrue(env.MESHY_RETRY_FAILED),
      ...(maxCredits === undefined ? {} : { maxCredits }),
      ...(options.lockStaleMs === undefined ? {} : { lockStaleMs: options.lockStaleMs }),
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
