import type { SourceKind } from '../inputs.js';
import { imageKind } from './image.js';
import { imageToImageKind } from './image-to-image.js';
import { imagesKind } from './images.js';
import type { ImportKind } from './kind.js';
import { promptKind } from './prompt.js';
import { remeshKind } from './remesh.js';
import { retextureKind } from './retexture.js';
import { textToImageKind } from './text-to-image.js';

export type { ImportKind, KindTask } from './kind.js';
export type { PromptSpec } from './prompt.js';

/**
 * The registry: every kind of `meshy:<kind>` import, one file each. Kind names, parsing, named-model
 * defaults, task plans, pricing and "is it an image" all derive from this list; the order is the one
 * help text lists them in.
 */
export const IMPORT_KINDS = [promptKind, imageKind, imagesKind, retextureKind, remeshKind, textToImageKind, imageToImageKind] as const;

type AnyKind = (typeof IMPORT_KINDS)[number];
type SpecOfKind<Kind> = Kind extends { build(...args: never[]): { spec: infer Spec } } ? Spec : never;

export type KindName = AnyKind['name'];
/** Every kind of import, as plain data. */
export type MeshySpec = SpecOfKind<AnyKind>;
/** The kinds whose result is a PNG rather than a GLB. */
export type ImageKindName = Extract<AnyKind, { output: 'image' }>['name'];

export const KINDS: readonly KindName[] = IMPORT_KINDS.map((kind) => kind.name);

const BY_NAME: ReadonlyMap<string, ImportKind> = new Map(IMPORT_KINDS.map((kind) => [kind.name, kind as unknown as ImportKind]));

/** The definition of a kind, or undefined for a name that is none. */
export function importKind(name: string): ImportKind | undefined {
  return BY_NAME.get(name);
}

/** What imports of a kind make. */
export function outputOf(kind: KindName): SourceKind {
  return BY_NAME.get(kind)!.output;
}

/** The kinds that make `output`, in registry order. */
export function kindsMaking(output: SourceKind): KindName[] {
  return IMPORT_KINDS.filter((kind) => kind.output === output).map((kind) => kind.name);
}
