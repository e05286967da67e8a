import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { sha256 } from '../hash.js';
import { MeshySpecError, type SpecProblem } from './errors.js';
import { dataUriLength, httpsUrlProblem, MAX_DATA_URI_LENGTH, megabytes } from './limits.js';
import { clip, quote } from './printable.js';

/**
 * What an import hands Meshy as an image or a model: a file of the project (sent as a data URI and
 * part of the cache key by its bytes), an https URL (passed through), or another `meshy:` import
 * (generated first, then handed over by task id or bytes).
 */
export type SourceInput = FileInput | UrlInput | GeneratedInput;

interface FileInput {
  type: 'file';
  /** Absolute path, for reading and for `addWatchFile`. */
  path: string;
  /** Root-relative, posix, with a leading `/`: the canonical spelling in resolved ids. */
  shown: string;
  sha256: string;
  mimeType: string;
}

interface UrlInput {
  type: 'url';
  url: string;
}

interface GeneratedInput {
  type: 'generated';
  /** The `meshy:` import it stands for, as written (canonical for named models). */
  id: string;
  /** The spec of that import; typed loosely here to keep this module free of the spec union. */
  spec: { kind: string };
}

export type SourceKind = 'image' | 'model';

export interface SourceContext {
  /** Absolute path of the importing module; relative paths resolve against its folder. */
  importer?: string;
  /** The project root: `/x.png` resolves against it, and no file outside it may be read. */
  root: string;
  /** Parses a nested `meshy:` import (named or inline), saying what its kind makes. */
  parseNested: (id: string) => { spec: { kind: string }; resolvedId: string; output: SourceKind };
  /** The kinds that make images, for hints. */
  imageKinds: readonly string[];
}

const IMAGE_EXTENSIONS: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
/** Single-file model formats Meshy reads from a data URI (https://docs.meshy.ai/en/api/image-to-3d); `.gltf` would need its side files. */
const MODEL_EXTENSIONS = new Set(['.glb', '.obj', '.fbx', '.stl']);

/**
 * Resolves one `src`-like value. Returns the input, or a message saying what is wrong with it.
 * `accept` says what Meshy expects there; `extensions` narrows model formats (rigging takes GLB only).
 */
function resolveSource(value: string, accept: SourceKind, context: SourceContext, extensions?: readonly string[]): SourceInput | string {
  const trimmed = value.trim();
  if (trimmed === '') return 'must not be empty';
  if (/^https:\/\//i.test(trimmed)) return httpsUrlProblem(trimmed) ?? { type: 'url', url: trimmed };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) || trimmed.startsWith('data:')) {
    return `${quote(trimmed, 40)} is not usable: give a project file (./a.png, /assets/a.png), an https:// URL, or a meshy: import`;
  }
  if (trimmed.startsWith('meshy:')) return resolveGenerated(trimmed, accept, context);
  return resolveFile(trimmed, accept, context, extensions);
}

/** One `src`-like value as an input; what is wrong with it goes to `problems` under `key`. */
export function source(
  key: string,
  value: string,
  context: SourceContext,
  problems: SpecProblem[],
  accept: SourceKind = 'image',
  extensions?: readonly string[],
): SourceInput | undefined {
  const resolved = resolveSource(value, accept, context, extensions);
  if (typeof resolved === 'string') {
    problems.push({ key, message: resolved });
    return undefined;
  }
  return resolved;
}

/** A comma-separated list of `min`–`max` images; empty when any of them is unusable. */
export function sourceList(key: string, value: string, count: { min: number; max: number }, context: SourceContext, problems: SpecProblem[]): SourceInput[] {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length < count.min || parts.length > count.max) {
    problems.push({ key, message: `takes ${count.min}–${count.max} comma-separated images; got ${parts.length}` });
    return [];
  }
  const inputs = parts.map((part) => source(key, part, context, problems));
  return inputs.every((input) => input !== undefined) ? (inputs as SourceInput[]) : [];
}

function resolveGenerated(id: string, accept: SourceKind, context: SourceContext): GeneratedInput | string {
  let parsed: ReturnType<SourceContext['parseNested']>;
  try {
    parsed = context.parseNested(id);
  } catch (error) {
    // Its problems only: the whole message also lists every option of its kind.
    const problems =
      error instanceof MeshySpecError ? error.problems.map((p) => `${p.key ? `${p.key}: ` : ''}${p.message}`).join('; ') : (error as Error).message;
    return `the nested import ${quote(id, 80)} is invalid: ${problems.replace(/\n\s*/g, ' ')}`;
  }
  if (accept === 'image' && parsed.output !== 'image') {
    return `${quote(id, 80)} makes a 3D model, but an image is needed here (${context.imageKinds.map((kind) => `meshy:${kind}`).join(' or ')})`;
  }
  if (accept === 'model' && parsed.output !== 'model') return `${quote(id, 80)} makes an image, but a 3D model is needed here`;
  return { type: 'generated', id: parsed.resolvedId.replace(/^\0/, ''), spec: parsed.spec };
}

function resolveFile(value: string, accept: SourceKind, context: SourceContext, extensions?: readonly string[]): FileInput | string {
  const root = resolve(context.root);
  const base = value.startsWith('/') || !context.importer ? root : dirname(context.importer);
  const path = resolve(base, value.startsWith('/') ? `.${value}` : value);
  const shown = `/${relative(root, path).split(sep).join('/')}`;
  if (!isInside(root, path)) return `${quote(value)} is outside the project root (${root}); only files of the project can be sent to Meshy`;

  const extension = extname(path).toLowerCase();
  const allowed = accept === 'image' ? Object.keys(IMAGE_EXTENSIONS) : (extensions ?? [...MODEL_EXTENSIONS]);
  if (!allowed.includes(extension)) {
    return `${quote(value)} is not a supported ${accept === 'image' ? 'image' : 'model'} type; Meshy takes ${allowed.join(', ')}`;
  }
  let bytes: Buffer;
  try {
    const info = statSync(path);
    if (!info.isFile()) return `${quote(value)} is not a file (resolved to ${clip(shown, 100)})`;
    // A symlink inside the project may point outside it.
    if (!isInside(realpathSync(root), realpathSync(path))) return `${quote(value)} links to a file outside the project root`;
    // Checked before reading: the file is sent as a data URI, and Meshy refuses requests over its limit.
    const sentLength = dataUriLength(info.size, accept === 'image' ? 'image/jpeg' : 'application/octet-stream');
    if (sentLength > MAX_DATA_URI_LENGTH) {
      return (
        `${quote(value)} is ${megabytes(info.size)}, ${megabytes(sentLength)} as the data URI it is sent as; ` +
        `Meshy refuses requests over ${megabytes(MAX_DATA_URI_LENGTH)}: make the file smaller or host it and give its https:// URL`
      );
    }
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `file not found: ${quote(value)} (resolved to ${clip(shown, 100)})`
      : `${quote(value)} could not be read (${code ?? (error as Error).message})`;
  }
  const mimeType = accept === 'image' ? sniffImage(bytes) : extension === '.glb' ? sniffGlb(bytes) : 'application/octet-stream';
  if (!mimeType) return `${quote(value)} does not contain ${accept === 'image' ? 'a PNG or JPEG image' : 'a GLB model'} (its first bytes do not match)`;
  return { type: 'file', path, shown, sha256: sha256(bytes), mimeType };
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

function sniffImage(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'image/png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return undefined;
}

function sniffGlb(bytes: Uint8Array): string | undefined {
  return bytes[0] === 0x67 && bytes[1] === 0x6c && bytes[2] === 0x54 && bytes[3] === 0x46 ? 'application/octet-stream' : undefined;
}

/** How an input takes part in the cache key: by content, never by where it sits on this machine. */
export function inputKey(input: SourceInput, keyOfSpec: (spec: { kind: string }) => string): Record<string, string> {
  switch (input.type) {
    case 'file':
      return { sha256: input.sha256, mimeType: input.mimeType };
    case 'url':
      return { url: input.url };
    case 'generated':
      return { generated: keyOfSpec(input.spec) };
  }
}

/** How an input is written back into a canonical import id. */
export function inputText(input: SourceInput): string {
  return input.type === 'file' ? input.shown : input.type === 'url' ? input.url : input.id;
}
