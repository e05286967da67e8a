import { createHash } from 'node:crypto';
import { closestMatch, MeshySpecError, type SpecProblem } from './errors.js';
import { formatImportId, IMPORT_PREFIX, RESOLVED_PREFIX, splitImportId } from './id.js';
import {
  PROMPT_OPTION_DOCS,
  PROMPT_OPTION_KEYS,
  promptQueryProblems,
  promptQuerySchema,
  promptSpecFromQuery,
  type PromptSpec,
} from './prompt.js';

export { MeshySpecError, type SpecProblem } from './errors.js';
export { IMPORT_PREFIX, RESOLVED_PREFIX, VITE_RESERVED_KEYS } from './id.js';
export { modelDefaultsSchema, namedModelImports, namedModelSchema, type NamedModel } from './named.js';
export { MAX_PROMPT_LENGTH, PROMPT_OPTION_DOCS, slugify, type PromptSpec } from './prompt.js';

/** Every kind of import, as plain data. (More kinds join this union as they are built.) */
export type MeshySpec = PromptSpec;

export interface ParsedImport {
  spec: MeshySpec;
  /** The id the plugin resolves the import to: canonical, so equal imports share one module. */
  resolvedId: string;
}

export const KINDS = ['prompt'] as const;

/** Bumped when the meaning of a spec changes, so old cache entries are not mistaken for new ones. */
const SPEC_FORMAT_VERSION = 1;

/**
 * Parses and validates `meshy:<kind>?<options>` (or a resolved `\0meshy:` id).
 * Throws MeshySpecError listing every problem, naming the importer when given.
 */
export function parseMeshyImport(id: string, importer?: string, namedModels: ReadonlyMap<string, string> = new Map()): ParsedImport {
  const prefix = id.startsWith(RESOLVED_PREFIX) ? RESOLVED_PREFIX : IMPORT_PREFIX;
  const shownId = id.startsWith(RESOLVED_PREFIX) ? id.slice(1) : id;
  const { kind, options, repeated } = splitImportId(id, prefix);

  const named = namedModels.get(kind);
  if (named !== undefined) {
    if (Object.keys(options).length > 0) {
      throw new MeshySpecError(shownId, [{ key: '', message: `"meshy:${kind}" is a named model: set its options in meshy({ models }), not in the import` }], importer);
    }
    return { spec: parseMeshyImport(named, `meshy({ models: { ${kind} } })`).spec, resolvedId: `${RESOLVED_PREFIX}${kind}` };
  }
  if (kind !== 'prompt') {
    const known = [...KINDS, ...namedModels.keys()];
    const hint = closestMatch(kind, known);
    const names = namedModels.size ? `; named models: ${[...namedModels.keys()].join(', ')}` : '';
    throw new MeshySpecError(
      shownId,
      [{ key: '', message: `unknown kind "meshy:${kind}"${hint ? ` (did you mean "meshy:${hint}"?)` : ''}; known kinds: ${KINDS.map((k) => `meshy:${k}`).join(', ')}${names}` }],
      importer,
    );
  }

  const problems: SpecProblem[] = repeated.map((key) => ({ key, message: 'is given more than once' }));
  const known = new Set<string>(PROMPT_OPTION_KEYS);
  const unknown = Object.keys(options).filter((key) => !known.has(key));
  for (const key of unknown) {
    const hint = closestMatch(key, PROMPT_OPTION_KEYS);
    problems.push({ key, message: `unknown option${hint ? ` (did you mean "${hint}"?)` : ''}` });
  }
  const knownOptions = Object.fromEntries(Object.entries(options).filter(([key]) => known.has(key)));
  const parsed = promptQuerySchema.safeParse(knownOptions);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push({ key, message: key === 'text' && issue.code === 'invalid_type' ? 'the prompt is required: meshy:prompt?text=…' : issue.message });
    }
  } else {
    problems.push(...promptQueryProblems(parsed.data));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new MeshySpecError(shownId, problems, importer, allowedOptionsHelp('prompt'));
  }
  return {
    spec: promptSpecFromQuery(parsed.data),
    resolvedId: formatImportId(kind, options, RESOLVED_PREFIX),
  };
}

function allowedOptionsHelp(kind: 'prompt'): string {
  const docs = kind === 'prompt' ? PROMPT_OPTION_DOCS : {};
  const width = Math.max(...Object.keys(docs).map((k) => k.length));
  const rows = Object.entries(docs).map(([key, doc]) => `    ${key.padEnd(width)}  ${doc}`);
  return `  Options of meshy:${kind}:\n${rows.join('\n')}`;
}

/**
 * The cache key of a spec: sha256 of its request in canonical JSON. Two imports that ask Meshy for
 * the same thing have the same key, whatever order or spelling their options had.
 */
export function specKey(spec: MeshySpec, namespace = ''): string {
  const { name: _name, optimize: _optimize, ...request } = spec;
  return createHash('sha256')
    .update(canonicalJson({ v: SPEC_FORMAT_VERSION, namespace, ...request }))
    .digest('hex');
}

/** JSON with object keys sorted at every depth, so equal values serialize to equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A short human label for logs: the prompt, shortened. */
export function describeSpec(spec: MeshySpec): string {
  const prompt = String(spec.preview.prompt);
  return prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt;
}
