/** What users write: `meshy:<kind>?<query>`. */
export const IMPORT_PREFIX = 'meshy:';
/** What the plugin resolves to: `\0` keeps other plugins (and the file system) away from it. */
export const RESOLVED_PREFIX = '\0meshy:';

/**
 * Query keys that Vite itself reads or appends (`?url`, `?raw`, HMR's `?t=…`, `?import`…).
 * They are never options of ours: we drop them when reading an id back.
 */
const VITE_RESERVED_KEYS: ReadonlySet<string> = new Set(['url', 'raw', 'worker', 'sharedworker', 'inline', 'no-inline', 'import', 'direct', 't']);

export interface SplitImportId {
  kind: string;
  /** Each option once, in the order written; a repeated key lands in `repeated`. */
  options: Record<string, string>;
  repeated: string[];
  /** Vite's own keys that were present (and ignored). */
  reserved: string[];
}

/**
 * Splits `meshy:prompt?text=a #1 sword&seed=3` into its kind and options.
 * Only the first `?` separates kind from query, and `#` is an ordinary character here (a prompt may
 * contain one), which is why this does not go through `new URL()`.
 */
export function splitImportId(id: string, prefix: string = IMPORT_PREFIX): SplitImportId {
  const body = id.startsWith(prefix) ? id.slice(prefix.length) : id;
  const questionMark = body.indexOf('?');
  const kind = questionMark === -1 ? body : body.slice(0, questionMark);
  const query = questionMark === -1 ? '' : body.slice(questionMark + 1);
  // No prototype: `__proto__` or `constructor` is an option name like any other (and an unknown one).
  const options: Record<string, string> = Object.create(null);
  const repeated: string[] = [];
  const reserved: string[] = [];
  for (const [key, value] of new URLSearchParams(query)) {
    if (VITE_RESERVED_KEYS.has(key)) {
      reserved.push(key);
    } else if (Object.hasOwn(options, key)) {
      if (!repeated.includes(key)) repeated.push(key);
    } else {
      options[key] = value;
    }
  }
  return { kind, options, repeated, reserved };
}

/** The inverse of splitImportId for canonical options: sorted keys, every value percent-encoded. */
export function formatImportId(kind: string, options: Record<string, string>, prefix: string = IMPORT_PREFIX): string {
  const query = Object.keys(options)
    .sort()
    .map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(options[key]!)}`)
    .join('&');
  return `${prefix}${kind}${query ? `?${query}` : ''}`;
}
