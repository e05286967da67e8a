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
