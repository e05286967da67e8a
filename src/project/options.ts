import { z } from 'zod';
import type { EmulatorOptions } from '../emulator/options.js';
import { MeshyPluginError } from '../errors.js';
import { modelDefaultsSchema, namedModelSchema } from '../imports/index.js';
import { MESHY_API_BASE, TEST_MODE_API_KEY } from '../meshy/api.js';
import { optimizeOptionsSchema } from '../optimize/options.js';

export { MESHY_API_BASE };

const remoteStoreUrl = z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 's3://bucket or s3://bucket/prefix');

/** The plugin's options: one schema, the single source of their types and defaults. */
export const pluginOptionsSchema = z.strictObject({
  /** Meshy API key. Default: the MESHY_API_KEY environment variable (also read from Vite's .env files). */
  apiKey: z.string().min(1).optional(),
  /** API base URL. Default: MESHY_API_BASE, else https://api.meshy.ai. */
  apiBase: z.url({ protocol: /^https?$/ }).optional(),
  /** The store: where generated models are kept, relative to the Vite root. Commit it (README, "Caching, and what to commit"). Default `.meshy`. */
  storeDir: z.string().min(1).optional(),
  /** @deprecated The former name of `storeDir` (Vite has a `cacheDir` of its own); it will be removed in the next minor version. */
  cacheDir: z.string().min(1).optional(),
  /**
   * generate: call Meshy for what is not cached. frozen: fail on a cache miss (the default when the CI
   * environment variable is set, like `npm ci`). offline: a placeholder for a miss, nothing sent to Meshy.
   */
  mode: z.enum(['generate', 'frozen', 'offline']).optional(),
  /** Named models: `models: { knight: { prompt: '…', pose_mode: 't-pose' } }`, then `import knight from 'meshy:knight'`. */
  models: z.record(z.string(), namedModelSchema).optional(),
  /** Options every named model starts from (a consistent art style), e.g. `{ enable_pbr: true }`. */
  defaults: modelDefaultsSchema.optional(),
  /**
   * A file of named models, `export default defineMeshyConfig({ models, defaults })`, relative to the
   * Vite root. Default: the first of meshy.config.{ts,mts,js,mjs} in the root; `false`: none.
   */
  configFile: z.union([z.string().min(1), z.literal(false)]).optional(),
  /** Meshy tasks in flight at once. Default 10, Meshy Pro's queue size. */
  concurrency: z.int().min(1).max(100).default(10),
  /** Requests per second to Meshy (a per-account limit). Default 20, Meshy Pro's. */
  requestsPerSecond: z.number().positive().max(1000).default(20),
  /**
   * Most credits one build may spend, estimated from Meshy's pricing before anything is spent; over
   * it, the build fails listing what would be generated. Default: MESHY_MAX_CREDITS, else no cap.
   */
  maxCredits: z.int().min(0).optional(),
  /**
   * With `maxCredits` unset, a person at a terminal is asked once (y/N) before more than this many
   * credits are spent at once; never on CI or under a test runner. Default: MESHY_CONFIRM_CREDITS, else 100.
   */
  confirmCredits: z.int().min(0).optional(),
  /** Generate nothing: print what a build would generate and what it would cost (MESHY_DRY_RUN=1). */
  dryRun: z.boolean().optional(),
  /** Create a new task for a model whose earlier task FAILED; it costs credits again (MESHY_RETRY_FAILED=1). */
  retryFailed: z.boolean().optional(),
  /** Advanced: a generation lock not refreshed for this long (ms) belongs to a dead process. Default 20000. */
  lockStaleMs: z.int().min(2000).optional(),
  /**
   * How models are optimized before they ship: a preset (`web`, the default; `mobile`, `desktop`,
   * `lossless`) with any field overridden, or `false` to ship Meshy's bytes. See docs/optimization.md.
   */
  optimize: optimizeOptionsSchema.default({ preset: 'web' }),
  /**
   * Run the bundled Meshy emulator in-process instead of calling Meshy (offline development, tests,
   * demos): `true` or the emulator's options; `false`: always the Meshy API. Default `'auto'`: the
   * Meshy API when a key is set (options, environment or .env); without one, the emulator in the dev
   * server (labelled), and in a build an error before anything is generated, never stand-ins shipped.
   */
  // Its record is typed from the emulator's own schema (src/emulator/options.ts), which validates it when the
  // emulator starts: the emulator loads only when it is used, never on a cache hit.
  emulator: z
    .union([z.boolean(), z.literal('auto'), z.record(z.string(), z.unknown()) as unknown as z.ZodType<Record<string, unknown>, EmulatorOptions>])
    .default('auto'),
  /** Follow tasks over Server-Sent Events (true) or by polling only (false). */
  stream: z.boolean().default(true),
  /** Polling interval when not streaming, in ms. */
  pollIntervalMs: z.int().positive().optional(),
  /**
   * The largest file a download from Meshy may be, in bytes; a larger one fails the build naming the
   * task (it stays journaled: raise this and build again, nothing is paid twice). Default 1 GiB.
   */
  maxDownloadBytes: z
    .int()
    .positive()
    .default(1024 ** 3),
  /** Dev server: a small panel listing running generations and their errors. Default true. */
  overlay: z.boolean().default(true),
  /**
   * A team's shared store on S3-compatible object storage (docs/remote-store.md): `'s3://bucket/prefix'`,
   * or `{ url, required, pathStyle, endpoint, region }`. Default: MESHY_REMOTE_STORE, else none.
   */
  remoteStore: z
    .union([
      remoteStoreUrl,
      z.strictObject({
        url: remoteStoreUrl,
        /** Fail the build when the store cannot be reached, instead of building from the local store alone. */
        required: z.boolean().optional(),
        /** Path-style addressing (`endpoint/bucket/key`); default: on when the endpoint is an IP address or localhost. */
        pathStyle: z.boolean().optional(),
        /** The S3 endpoint; default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS S3. */
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        /** Default: AWS_REGION, the AWS profile's, else us-east-1 with a custom endpoint. */
        region: z.string().min(1).optional(),
        /** Advanced: how long a claim on a model being generated lasts without renewal (ms). Default 60000. */
        leaseMs: z.int().min(500).optional(),
      }),
    ])
    .optional(),
  /** Keeps caches of different backends apart; derived from the API base when omitted. */
  cacheNamespace: z.string().min(1).optional(),
});

export type MeshyPluginOptions = z.input<typeof pluginOptionsSchema>;
export type ResolvedPluginOptions = Omit<z.output<typeof pluginOptionsSchema>, 'storeDir' | 'cacheDir'> & { storeDir: string };

const DEFAULT_STORE_DIR = '.meshy';

export function resolvePluginOptions(options: unknown): ResolvedPluginOptions {
  const parsed = pluginOptionsSchema.safeParse(options ?? {});
  if (parsed.success) {
    const { storeDir, cacheDir, ...rest } = parsed.data;
    if (storeDir !== undefined && cacheDir !== undefined && storeDir !== cacheDir) {
      throw new MeshyPluginError(
        'MESHY_INVALID_OPTIONS',
        `Invalid vite-plugin-meshy options: storeDir (${JSON.stringify(storeDir)}) and cacheDir (${JSON.stringify(cacheDir)}, its deprecated name) disagree. Keep storeDir only.`,
        { context: { storeDir, cacheDir } },
      );
    }
    return { ...rest, storeDir: storeDir ?? cacheDir ?? DEFAULT_STORE_DIR };
  }
  const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(options)'}: ${issue.message}`);
  throw new MeshyPluginError('MESHY_INVALID_OPTIONS', `Invalid vite-plugin-meshy options:\n${lines.join('\n')}`, {
    context: { issues: parsed.error.issues },
  });
}

const deprecationsWarned = new Set<string>();

/** Deprecation notices for these options: each once per process, however many projects use them. */
export function newDeprecationWarnings(options: MeshyPluginOptions): string[] {
  const notices =
    options.cacheDir === undefined
      ? []
      : [
          'the option `cacheDir` is deprecated: rename it to `storeDir` (same meaning; Vite has a `cacheDir` of its own). `cacheDir` will be removed in the next minor version.',
        ];
  return notices.filter((notice) => !deprecationsWarned.has(notice) && deprecationsWarned.add(notice));
}

/** The namespaces of the usual backends: the real API, its test mode, the emulator (others are `custom:<host>`). */
export const BACKEND_NAMESPACES = ['meshy', 'meshy-test-mode', 'emulator'] as const;

/** Results from the real API, its test mode (sample results) and anything else never mix in the cache. */
export function cacheNamespaceFor(apiBase: string, apiKey: string | undefined, usesEmulator: boolean): string {
  const [meshy, testMode, emulator] = BACKEND_NAMESPACES;
  if (usesEmulator) return emulator;
  const { hostname } = new URL(apiBase);
  if (hostname !== 'api.meshy.ai') return `custom:${hostname}`;
  return apiKey === TEST_MODE_API_KEY ? testMode : meshy;
}
