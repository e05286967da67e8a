import type { z } from 'zod';
import type { OptimizeOverrides } from '../optimize/options.js';
import type { SpecProblem } from './errors.js';
import type { SourceContext, SourceInput } from './inputs.js';
import type { RigSpec } from './rig.js';

export type JsonValue = string | number | boolean | string[] | number[];

/** Kinds whose spec is one Meshy task with inputs (files, URLs, other imports), plus rigging. */
export type TaskKind = 'image' | 'images' | 'retexture' | 'remesh' | 'text-to-image' | 'image-to-image';

/**
 * `meshy:image`, `meshy:images`, `meshy:retexture`, `meshy:remesh`, `meshy:text-to-image`,
 * `meshy:image-to-image`: one Meshy request whose media fields come from `inputs`.
 */
export interface TaskSpec extends RigSpec {
  kind: TaskKind;
  /** The request body without its media fields, defaults left out, the model pinned. */
  request: Record<string, JsonValue>;
  /** Media fields of the body (`image_url`, `image_urls`, `model_url`…) and what fills them. */
  inputs: Record<string, SourceInput | SourceInput[]>;
  /** File name for the asset (not part of the cache key). */
  name: string;
  /** A short human label for logs and `meta`. */
  label: string;
  optimize?: OptimizeOverrides;
}

/** One import kind: its query schema, its documentation, and how a valid query becomes a spec. */
export interface KindDefinition<Query extends Record<string, unknown> = Record<string, unknown>> {
  kind: TaskKind;
  schema: z.ZodObject;
  docs: Record<string, string>;
  /** Builds the spec; problems of single fields are already reported by the schema. */
  build(query: Query, context: SourceContext): { spec: TaskSpec; problems: SpecProblem[] };
}

/** Leaves out the values that equal Meshy's defaults, so equal requests have equal keys. */
export function withoutDefaults(body: Record<string, JsonValue | undefined>, defaults: Record<string, JsonValue>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (Object.hasOwn(defaults, key) && JSON.stringify(defaults[key]) === JSON.stringify(value)) continue;
    out[key] = value;
  }
  return out;
}
