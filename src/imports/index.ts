import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { canonicalJson, sha256 } from '../hash.js';
import { closestMatch, MeshySpecError, type SpecProblem } from './errors.js';
import { formatImportId, IMPORT_PREFIX, RESOLVED_PREFIX, splitImportId } from './id.js';
import { inputKey, inputText, type SourceContext, type SourceInput } from './inputs.js';
import { type ImageKindName, importKind, KINDS, type KindTask, kindsMaking, type MeshySpec, outputOf } from './kinds/index.js';
import { dataUriLength, MAX_DATA_URI_LENGTH, megabytes } from './limits.js';
import { retiredModelProblem } from './models.js';
import { shorten } from './names.js';
import { quote } from './printable.js';

export { type FreeClip, freeClipOf } from './animations.js';
export { MeshySpecError } from './errors.js';
export type { SourceInput } from './inputs.js';
export { type ImageKindName, KINDS, type KindTask, type MeshySpec, type PromptSpec } from './kinds/index.js';
export { modelDefaultsSchema, namedModelImports, namedModelSchema } from './named.js';

export interface ParsedImport {
  spec: MeshySpec;
  /** The id the plugin resolves the import to: canonical, so equal imports share one module. */
  resolvedId: string;
}

/** Bumped when the meaning of a spec changes, so old cache entries are not mistaken for new ones. */
const SPEC_FORMAT_VERSION = 1;

export interface ParseOptions {
  /** The project root: file inputs resolve against it (`/a.png`) and must stay inside it. Default: cwd. */
  root?: string;
}

/**
 * Parses and validates `meshy:<kind>?<options>` (or a resolved `\0meshy:` id).
 * Throws MeshySpecError listing every problem, naming the importer when given. `importer` is the
 * importing module's absolute path (relative file inputs resolve against its folder) or, for
 * messages only, a description of where the import comes from.
 */
export function parseMeshyImport(
  id: string,
  importer?: string,
  namedModels: ReadonlyMap<string, string> = new Map(),
  options: ParseOptions = {},
): ParsedImport {
  const prefix = id.startsWith(RESOLVED_PREFIX) ? RESOLVED_PREFIX : IMPORT_PREFIX;
  const shownId = id.startsWith(RESOLVED_PREFIX) ? id.slice(1) : id;
  const { kind, options: query, repeated } = splitImportId(id, prefix);
  const root = resolve(options.root ?? process.cwd());
  const shownImporter = importer && isAbsolute(importer) ? relative(root, importer) || importer : importer;

  const named = namedModels.get(kind);
  if (named !== undefined) {
    if (Object.keys(query).length > 0) {
      throw new MeshySpecError(
        shownId,
        [{ key: '', message: `"meshy:${kind}" is a named model: set its options in meshy({ models }), not in the import` }],
        shownImporter,
      );
    }
    return { spec: parseMeshyImport(named, `meshy({ models: { ${kind} } })`, namedModels, options).spec, resolvedId: `${RESOLVED_PREFIX}${kind}` };
  }
  const definition = importKind(kind);
  if (!definition) {
    const known = [...KINDS, ...namedModels.keys()];
    const hint = closestMatch(kind, known);
    const names = namedModels.size ? `; named models: ${[...namedModels.keys()].join(', ')}` : '';
    throw new MeshySpecError(
      shownId,
      [
        {
          key: '',
          message: `unknown kind ${quote(`meshy:${kind}`, 80)}${hint ? ` (did you mean "meshy:${hint}"?)` : ''}; known kinds: ${KINDS.map((k) => `meshy:${k}`).join(', ')}${names}`,
        },
      ],
      shownImporter,
    );
  }

  const keys = Object.keys(definition.schema.shape);
  const problems: SpecProblem[] = repeated.map((key) => ({ key, message: 'is given more than once' }));
  for (const key of Object.keys(query).filter((key) => !keys.includes(key))) {
    const hint = closestMatch(key, keys);
    problems.push({ key, message: `unknown option${hint ? ` (did you mean "${hint}"?)` : ''}` });
  }
  // A retired model the plugin took before its retirement (meshy-5) still parses: its stored models keep
  // being served, and generating one is refused before anything is paid (retirementOf). One it never
  // took (meshy-4) can have nothing stored: it is refused here, naming the replacement.
  const retired = typeof query.ai_model === 'string' ? retiredModelProblem(query.ai_model) : undefined;
  const parsed = definition.schema.safeParse(Object.fromEntries(Object.entries(query).filter(([key]) => keys.includes(key))));
  const fail = (): never => {
    throw new MeshySpecError(shownId, problems, shownImporter, allowedOptionsHelp(kind, definition.docs));
  };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      if (key === 'ai_model' && retired) problems.push({ key, message: retired });
      else problems.push({ key, message: key === 'text' && issue.code === 'invalid_type' ? 'the prompt is required: text=…' : issue.message });
    }
    return fail();
  }

  const context: SourceContext = {
    root,
    ...(importer && isAbsolute(importer) ? { importer } : {}),
    parseNested: (nested) => {
      const parsedNested = parseMeshyImport(nested, importer, namedModels, options);
      return { ...parsedNested, output: outputOf(parsedNested.spec.kind) };
    },
    imageKinds: kindsMaking('image'),
  };
  const built = definition.build(parsed.data, context);
  problems.push(...built.problems);
  if (problems.length === 0) problems.push(...requestSizeProblems(built.spec as MeshySpec));
  if (problems.length > 0) fail();
  const spec = built.spec as MeshySpec;
  return { spec, resolvedId: formatImportId(kind, canonicalQuery(query, spec, definition.inputKeys), RESOLVED_PREFIX) };
}

/**
 * Each file is checked alone when it is resolved; files sent together (views, a style image) make one
 * request body, which Meshy refuses over its limit as well.
 */
function requestSizeProblems(spec: MeshySpec): SpecProblem[] {
  if (spec.kind === 'prompt') return [];
  const files = Object.values(spec.inputs)
    .flat()
    .filter((input) => input.type === 'file');
  if (files.length < 2) return [];
  const total = files.reduce((sum, file) => sum + dataUriLength(fileSize(file.path), file.mimeType), 0);
  if (total <= MAX_DATA_URI_LENGTH) return [];
  return [
    {
      key: '',
      message:
        `the ${files.length} files of this import are ${megabytes(total)} together as the data URIs they are sent as, in one request; ` +
        `Meshy refuses requests over ${megabytes(MAX_DATA_URI_LENGTH)}: make them smaller or host them and give https:// URLs`,
    },
  ];
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // gone since it was read: the next build reads it again
  }
}

/** The query with every input written as it resolved (root-relative files), so any importer can load it. */
function canonicalQuery(query: Record<string, string>, spec: MeshySpec, inputKeys: Record<string, string>): Record<string, string> {
  const out = { ...query };
  for (const [field, input] of Object.entries(spec.kind === 'prompt' ? {} : spec.inputs)) {
    const key = inputKeys[field];
    if (key) out[key] = (Array.isArray(input) ? input : [input]).map(inputText).join(',');
  }
  return out;
}

function allowedOptionsHelp(kind: string, docs: Record<string, string>): string {
  const width = Math.max(...Object.keys(docs).map((k) => k.length));
  const rows = Object.entries(docs).map(([key, doc]) => `    ${key.padEnd(width)}  ${doc}`);
  return `  Options of meshy:${kind}:\n${rows.join('\n')}`;
}

/**
 * The cache key of a spec: sha256 of its request in canonical JSON. Two imports that ask Meshy for
 * the same thing have the same key, whatever order or spelling their options had.
 */
export function specKey(spec: MeshySpec, namespace = ''): string {
  return sha256(canonicalJson({ v: SPEC_FORMAT_VERSION, namespace, ...requestOf(spec, namespace) }));
}

/** What a spec asks Meshy for: everything but its file name, label and optimize overrides. */
function requestOf(spec: MeshySpec, namespace: string): Record<string, unknown> {
  if (spec.kind === 'prompt') {
    const { name: _name, optimize: _optimize, ...request } = spec;
    return request;
  }
  const { name: _name, label: _label, optimize: _optimize, inputs, ...request } = spec;
  const keyOfInput = (input: SourceInput) => inputKey(input, (nested) => specKey(nested as MeshySpec, namespace));
  return {
    ...request,
    inputs: Object.fromEntries(Object.entries(inputs).map(([field, value]) => [field, Array.isArray(value) ? value.map(keyOfInput) : keyOfInput(value)])),
  };
}

/** A short human label for logs: the prompt, shortened, or what the import transforms. */
export function describeSpec(spec: MeshySpec): string {
  return spec.kind === 'prompt' ? shorten(String(spec.preview.prompt)) : spec.label;
}

/**
 * Why a spec can no longer be generated: Meshy retired its `ai_model` (the message names the
 * replacement); undefined while it can be. A stored model of it is still served: the spec, and so
 * its cache key, is the one it was generated with.
 */
export function retirementOf(spec: MeshySpec, now = Date.now()): string | undefined {
  const model = spec.kind === 'prompt' ? spec.preview.ai_model : spec.request.ai_model;
  return typeof model === 'string' ? retiredModelProblem(model, now) : undefined;
}

/** Whether an import makes an image (PNG) rather than a 3D model. */
export function isImageSpec(spec: MeshySpec): spec is Extract<MeshySpec, { kind: ImageKindName }> {
  return isImageKind(spec.kind);
}

/** Whether imports of `kind` make images rather than 3D models; false for anything that is no kind. */
export function isImageKind(kind: unknown): boolean {
  return typeof kind === 'string' && importKind(kind)?.output === 'image';
}

/** The Meshy tasks that make a spec's result, before rigging and animation. */
export function kindTasks(spec: MeshySpec): KindTask[] {
  return importKind(spec.kind)!.tasks(spec);
}

/** The project files a spec reads, nested imports included: watched in dev, re-read by the next build. */
export function inputFilesOf(spec: MeshySpec): string[] {
  if (spec.kind === 'prompt') return [];
  return Object.values(spec.inputs)
    .flat()
    .flatMap((input) => (input.type === 'file' ? [input.path] : input.type === 'generated' ? inputFilesOf(input.spec as MeshySpec) : []));
}
