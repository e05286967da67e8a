import { z } from 'zod';
import { MeshyPluginError } from '../errors.js';

/**
 * Named models: `meshy({ models: { knight: { prompt: '…', target_polycount: 8000 } } })`, then
 * `import knight from 'meshy:knight'`. A definition holds the options of a `meshy:prompt` import as
 * typed values (`prompt` for the query's `text`); `defaults` hold shared ones (a game's art style).
 * Definitions become the very query an import would have written, so they are validated by the same
 * schema and share cache entries with equal imports.
 */
const optionValue = z.union([z.string(), z.number(), z.boolean()]);

export const namedModelSchema = z
  .record(z.string(), optionValue)
  .refine((definition) => typeof definition.prompt === 'string' && definition.prompt.trim() !== '', { error: 'needs a `prompt`' });

export const modelDefaultsSchema = z.record(z.string(), optionValue);

export const MODEL_NAME = /^[a-z][a-z0-9_-]*$/i;

export type NamedModel = z.infer<typeof namedModelSchema>;

/** The `meshy:prompt?…` import a named model stands for. */
export function namedModelImport(name: string, definition: NamedModel, defaults: Record<string, string | number | boolean> = {}): string {
  const merged = { name, ...defaults, ...definition };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    query.set(key === 'prompt' ? 'text' : key, String(value));
  }
  return `meshy:prompt?${query}`;
}

/** Every named model as its import id; throws when a name is unusable. */
export function namedModelImports(
  models: Record<string, NamedModel> | undefined,
  defaults: Record<string, string | number | boolean> | undefined,
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
