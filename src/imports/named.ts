import { z } from 'zod';
import { MeshyPluginError } from '../errors.js';
import { type IMPORT_KINDS, importKind } from './kinds/index.js';
import type { motionDefinition } from './motions.js';

/**
 * Named models: `meshy({ models: { knight: { prompt: '…', target_polycount: 8000 } } })`, then
 * `import knight from 'meshy:knight'`. A definition holds the options of a `meshy:<kind>` import as
 * typed values (`prompt` for the query's `text`); `defaults` hold shared ones (a game's art style).
 * Definitions become the very query an import would have written, so they are validated by the same
 * schema (with messages naming the model and each option) and share cache entries with equal imports.
 */
const optionValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  // `motions: { shamble: { prompt, duration, mode } }`: reaches the query as JSON (motions.ts).
  z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number()]))),
]);

/** The kind of a definition without `kind`. */
const DEFAULT_KIND = 'prompt';

const definitionRecord = z
  .record(z.string(), optionValue)
  .refine((definition) => typeof definition.kind === 'string' || (typeof definition.prompt === 'string' && definition.prompt.trim() !== ''), {
    error: 'needs a `prompt` (or a `kind`, such as image, with its options)',
  });

/**
 * At run time a record of plain values, each checked by its kind's schema when the model is parsed;
 * its input type is the per-kind `MeshyModelDefinition`, so the compiler catches what the build would.
 */
export const namedModelSchema = definitionRecord as unknown as z.ZodType<NamedModel, MeshyModelDefinition>;

export const modelDefaultsSchema = z.record(z.string(), optionValue) as unknown as z.ZodType<Record<string, OptionValue>, MeshyModelDefaults>;

export type NamedModel = z.output<typeof definitionRecord>;
type OptionValue = z.infer<typeof optionValue>;

// The types of definitions, derived from the kinds' query schemas (kinds/*.ts): a new option, kind or
// value there is one here. Query values are strings; a definition gives numbers, booleans and arrays.

type AnyKind = (typeof IMPORT_KINDS)[number];
type Present<T> = Exclude<T, undefined>;

/** The value a definition gives for one query key. */
type DefinitionValue<Field extends z.core.SomeType> =
  Present<z.output<Field>> extends z.core.$brand<'MotionsJson'>
    ? Record<string, z.input<typeof motionDefinition>>
    : Present<z.output<Field>> extends z.core.$brand<'CommaList'>
      ? string | readonly string[]
      : Present<z.output<Field>> extends boolean
        ? boolean
        : Present<z.output<Field>> extends number
          ? number
          : Present<z.input<Field>> | (string extends z.input<Field> ? never : 'false' extends z.input<Field> ? false : never);

/** A definition names the query's `text` `prompt`. */
type DefinitionKey<Key> = Key extends 'text' ? 'prompt' : Key;

type Flatten<T> = { [Key in keyof T]: T[Key] } & {};

type OptionsOf<Shape extends z.core.$ZodShape> = {
  [Key in keyof Shape as undefined extends z.input<Shape[Key]> ? never : DefinitionKey<Key>]: DefinitionValue<Shape[Key]>;
} & {
  [Key in keyof Shape as undefined extends z.input<Shape[Key]> ? DefinitionKey<Key> : never]?: DefinitionValue<Shape[Key]>;
};

type KindOptions<Kind> = Kind extends { schema: z.ZodObject<infer Shape> } ? OptionsOf<Shape> : never;
type OptionKey = keyof KindOptions<AnyKind> | (AnyKind extends infer Kind ? (Kind extends unknown ? keyof KindOptions<Kind> : never) : never);

type KindDefinition<Kind> = Kind extends { name: infer Name }
  ? Name extends typeof DEFAULT_KIND
    ? // Without `kind` the compiler cannot tell the kinds apart, so other kinds' options are ruled out here.
      Flatten<{ kind?: Name } & KindOptions<Kind> & { [Key in Exclude<OptionKey, keyof KindOptions<Kind>>]?: never }>
    : Flatten<{ kind: Name } & KindOptions<Kind>>
  : never;

/**
 * A named model: the options of one `meshy:<kind>` import as typed values. `kind` defaults to
 * `prompt`; `prompt` is the query's `text`; lists may be arrays (`animation: ['walk', 'idle']`).
 */
export type MeshyModelDefinition = KindDefinition<AnyKind>;

type ValueAt<Definition, Key extends PropertyKey> = Definition extends unknown ? (Key extends keyof Definition ? Present<Definition[Key]> : never) : never;

/** Options every named model starts from; each applies to the models whose kind has it. */
export type MeshyModelDefaults = { [Key in Exclude<OptionKey, 'name'>]?: ValueAt<MeshyModelDefinition, Key> };

const MODEL_NAME = /^[a-z][a-z0-9_-]*$/i;

/**
 * The `meshy:<kind>?…` import a named model stands for: `kind` defaults to prompt, `prompt` is the
 * query's `text`, lists are comma-separated (`animation: ['walk', 'idle']`), objects JSON (`motions`).
 */
function namedModelImport(name: string, definition: NamedModel, defaults: Record<string, OptionValue> = {}): string {
  const { kind = DEFAULT_KIND, ...options } = definition;
  const kindName = String(kind);
  // Shared `defaults` reach only the kinds that have their keys.
  const accepted = Object.keys(importKind(kindName)?.schema.shape ?? {});
  const shared = Object.fromEntries(Object.entries(defaults).filter(([key]) => accepted.includes(key === 'prompt' ? 'text' : key)));
  const merged = { name, ...shared, ...options };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    query.set(key === 'prompt' ? 'text' : key, Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return `meshy:${kindName}?${query}`;
}

/** Every named model as its import id; throws when a name is unusable. */
export function namedModelImports(
  models: Record<string, NamedModel> | undefined,
  defaults: Record<string, OptionValue> | undefined,
  reservedNames: readonly string[],
): Map<string, string> {
  const imports = new Map<string, string>();
  for (const [name, definition] of Object.entries(models ?? {})) {
    if (!MODEL_NAME.test(name) || reservedNames.includes(name)) {
      throw new MeshyPluginError(
        'MESHY_INVALID_OPTIONS',
        `Invalid model name "${name}" in meshy({ models }): names start with a letter, use letters, digits, "-" and "_", and are not one of ${reservedNames.join(', ')}.`,
      );
    }
    imports.set(name, namedModelImport(name, definition, defaults));
  }
  return imports;
}
