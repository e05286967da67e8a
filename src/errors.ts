/**
 * Every error the plugin throws on purpose is a MeshyPluginError: it has a stable `code`, a message
 * written for the person reading the build log, the structured `context` that produced it, and the
 * underlying `cause` when there is one.
 */
export class MeshyPluginError extends Error {
  readonly code: string;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = Object.freeze({ ...options.context });
  }
}

/** Replaces every occurrence of each secret in `text` with a fixed mask. */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('msy_***');
  }
  return out;
}

/** Signed asset URLs carry credentials in their query string; logs and errors show only the path. */
export function stripQuery(url: string): string {
  const at = url.search(/[?#]/);
  return at === -1 ? url : url.slice(0, at);
}

/**
 * Errors about the project, not the plugin: an invalid import or option, a model missing in a frozen
 * build, a budget, a missing or refused API key, a model that failed before. Their message says what
 * to do; stack frames would only bury it, so they are printed without them (unless debugging).
 */
const EXPECTED_CODES: ReadonlySet<string> = new Set([
  'MESHY_INVALID_IMPORT',
  'MESHY_INVALID_IMPORTS',
  'MESHY_INVALID_OPTIONS',
  'MESHY_CONFIG_FILE',
  'MESHY_CONFIG_CONFLICT',
  'MESHY_CACHE_MISS',
  'MESHY_OVER_BUDGET',
  'MESHY_SPEND_DECLINED',
  'MESHY_NO_API_KEY',
  'MESHY_UNAUTHORIZED',
  'MESHY_INSUFFICIENT_CREDITS',
  'MESHY_GENERATION_FAILED_BEFORE',
  'MESHY_IMPORT_NOT_IN_PROJECT',
  'MESHY_VARIANT_NOT_IN_PROJECT',
  'MESHY_KTX2_ENCODER_MISSING',
]);

export function isExpectedError(error: unknown): error is MeshyPluginError {
  return error instanceof MeshyPluginError && EXPECTED_CODES.has(error.code);
}

/** `DEBUG=vite-plugin-meshy` (or `*`, `vite-plugin-*`, as the `debug` package reads it): errors keep their stack frames. */
export function isDebugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.DEBUG ?? '')
    .split(/[\s,]+/)
    .some((pattern) => pattern === 'vite-plugin-meshy' || (pattern.endsWith('*') && 'vite-plugin-meshy'.startsWith(pattern.slice(0, -1))));
}
