import { canonicalJson, sha256 } from '../hash.js';
import { closestMatch, MeshySpecError, type SpecProblem } from './errors.js';
import { formatImportId, IMPORT_PREFIX, RESOLVED_PREFIX, splitImportId } from './id.js';
import { isAbsolute, relative, resolve } from 'node:path';
import { retextureKind, remeshKind } from './edit.js';
import { imageKind, imagesKind } from './image.js';
import { inputKey, inputText, type SourceContext, type SourceInput } from './inputs.js';
import { imageToImageKind, textToImageKind } from './picture.js';
import {
  PROMPT_OPTION_DOCS,
  promptQueryProblems,
  promptQuerySchema,
  promptSpecFromQuery,
  type PromptQuery,
  type PromptSpec,
} from './prompt.js';
import type { KindDefinition, TaskKind, TaskSpec } from './task-spec.js';

export { MeshySpecError, type SpecProblem } from './errors.js';
export { IMPORT_PREFIX, RESOLVED_PREFIX, VITE_RESERVED_KEYS } from './id.js';
export { modelDefaultsSchema, namedModelImports, namedModelSchema, type NamedModel } from './named.js';
export { MAX_PROMPT_LENGTH, PROMPT_OPTION_DOCS, slugify, type PromptSpec } from './prompt.js';
export type { SourceInput } from './inputs.js';
export type { RigSpec } from './rig.js';
export type { ResolvedAnimation } from './animations.js';
export type { JsonValue, TaskKind, TaskSpec } from './task-spec.js';

/** Every kind of import, as plain data. */
export type MeshySpec = PromptSpec | TaskSpec;

export interface ParsedImport {
  spec: MeshySpec;
  /** The id the plugin resolves the import to: canonical, so equal imports share one module. */
  resolvedId: string;
}

const TASK_KINDS: Record<TaskKind, KindDefinition<never>> = {
  image: imageKind,
  images: imagesKind,
  retexture: retextureKind,
  remesh: remeshKind,
  'text-to-image': textToImageKind,
  'image-to-image': imageToImageKind,
};

export const KINDS = ['prompt', ...(Object.keys(TASK_KINDS) as TaskKind[])] as const;

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
      throw new MeshySpecError(shownId, [{ key: '', message: `"meshy:${kind}" is a named model: set its options in meshy({ models }), not in the import` }], shownImporter);
    }
    return { spec: parseMeshyImport(named, `meshy({ models: { ${kind} } })`, namedModels, options).spec, resolvedId: `${RESOLVED_PREFIX}${kind}` };
  }
  const definition = kind === 'prompt' ? undefined : TASK_KINDS[kind as TaskKind];
  if (kind !== 'prompt' && !definition) {
    const known = [...KINDS, ...namedModels.keys()];
    const hint = closestMatch(kind, known);
    const names = namedModels.size ? `; named models: ${[...namedModels.keys()].join(', ')}` : '';
    throw new MeshySpecError(
      shownId,
      [{ key: '', message: `unknown kind "meshy:${kind}"${hint ? ` (did you mean "meshy:${hint}"?)` : ''}; known kinds: ${KINDS.map((k) => `meshy:${k}`).join(', ')}${names}` }],
      shownImporter,
    );
  }

  const schema = definition ? definition.schema : promptQuerySchema;
  const keys = Object.keys(schema.shape);
  const problems: SpecProblem[] = repeated.map((key) => ({ key, message: 'is given more than once' }));
  for (const key of Object.keys(query).filter((key) => !keys.includes(key))) {
    const hint = closestMatch(key, keys);
    problems.push({ key, message: `unknown option${hint ? ` (did you mean "${hint}"?)` : ''}` });
  }
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(query).filter(([key]) => keys.includes(key))));
  const fail = (): never => {
    throw new MeshySpecError(shownId, problems, shownImporter, allowedOptionsHelp(kind, definition?.docs ?? PROMPT_OPTION_DOCS));
  };
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      problems.push({ key, message: key === 'text' && issue.code === 'invalid_type' ? 'the prompt is required: text=…' : issue.message });
    }
    return fail();
  }
  if (!definition) {
    problems.push(...promptQueryProblems(parsed.data as PromptQuery));
    if (problems.length > 0) fail();
    return { spec: promptSpecFromQuery(parsed.data as PromptQuery), resolvedId: formatImportId(kind, query, RESOLVED_PREFIX) };
  }

  const context: SourceContext = {
    root,
    ...(importer && isAbsolute(importer) ? { importer } : {}),
    parseNested: (nested) => parseMeshyImport(nested, importer, namedModels, options),
  };
  const built = (definition as KindDefinition).build(parsed.data, context);
  problems.push(...built.problems);
  if (problems.length > 0) fail();
  return { spec: built.spec, resolvedId: formatImportId(kind, canonicalQuery(query, built.spec), RESOLVED_PREFIX) };
}

/** The query with every input written as it resolved (root-relative files), so any importer can load it. */
function canonicalQuery(query: Record<string, string>, spec: TaskSpec): Record<string, string> {
  const out = { ...query };
  const fieldToKey: Record<string, string> = {
    image_url: 'src',
    image_urls: 'src',
    model_url: 'src',
    reference_image_urls: 'src',
    texture_image_url: 'texture_image_url',
    texture_image_urls: 'texture_image_urls',
    image_style_url: 'style_image',
    multiview_image_urls: 'style_images',
  };
  for (const [field, input] of Object.entries(spec.inputs)) {
    const key = fieldToKey[field];
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

/** JSON with object keys sorted at every depth, so equal values serialize to equal strings. */
/** A short human label for logs: the prompt, shortened, or what the import transforms. */
export function describeSpec(spec: MeshySpec): string {
  if (spec.kind !== 'prompt') return spec.label;
  const prompt = String(spec.preview.prompt);
  return prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt;
}

/** Whether an import makes an image (PNG) rather than a 3D model. */
export function isImageSpec(spec: MeshySpec): spec is TaskSpec & { kind: 'text-to-image' | 'image-to-image' } {
  return spec.kind === 'text-to-image' || spec.kind === 'image-to-image';
}

/** The project files a spec reads, nested imports included: watched in dev, re-read by the next build. */
export function inputFilesOf(spec: MeshySpec): string[] {
  if (spec.kind === 'prompt') return [];
  return Object.values(spec.inputs)
    .flat()
    .flatMap((input) => (input.type === 'file' ? [input.path] : input.type === 'generated' ? inputFilesOf(input.spec as MeshySpec) : []));
}
