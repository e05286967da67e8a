import { z } from 'zod';
import { MeshyPluginError } from '../errors.js';
import { importKind } from './kinds/index.js';

/**
 * Named models: `meshy({ models: { knight: { prompt: '…', target_polycount: 8000 } } })`, then
 * `import knight from 'meshy:knight'`. A definition holds the options of a `meshy:prompt` import as
 * typed values (`prompt` for the query's `text`); `defaults` hold shared ones (a game's art style).
 * Definitions become the very query an import would have written, so they are validated by the same
 * schema and share cache entries with equal imports.
 */
const optionValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  // `motions: { shamble: { prompt, duration, mode } }`: reaches the query as JSON (motions.ts).
  z.record(z.string(), z.record(z.string(), z.union([z.string(), z.number()]))),
]);

export const namedModelSchema = z
  .record(z.string(), optionValue)
  .refine((definition) => typeof definition.kind === 'string' || (typeof definition.prompt === 'string' && definition.prompt.trim() !== ''), {
    error: 'needs a `prompt` (or a `kind`, such as image, with its options)',
  });

export const modelDefaultsSchema = z.record(z.string(), optionValue);

const MODEL_NAME = /^[a-z][a-z0-9_-]*$/i;

export type NamedModel = z.infer<typeof namedModelSchema>;
type OptionValue = z.infer<typeof optionValue>;

/**
 * The `meshy:<kind>?…` import a named model stands for: `kind` defaults to prompt, `prompt` is the
 * query's `text`, lists are comma-separated (`animation: ['walk', 'idle']`), objects JSON (`motions`).
 */
function namedModelImport(name: string, definition: NamedModel, defaults: Record<string, OptionValue> = {}): string {
  const { kind = 'prompt', ...options } = definition;
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
