import type { OptimizeOverrides } from '../optimize/options.js';
import type { SpecProblem } from './errors.js';
import type { SourceInput } from './inputs.js';
import { type OptimizeQuery, overridesFromQuery } from './optimize-keys.js';
import { printable } from './printable.js';
import { type RigQuery, type RigSpec, rigSpecFromQuery } from './rig.js';

export type JsonValue = string | number | boolean | string[] | number[];

/** Media fields of a request body (`image_url`, `image_urls`, `model_url`…) and what fills them. */
export type SpecInputs = Record<string, SourceInput | SourceInput[]>;

/**
 * An import that is one Meshy request whose media fields come from `inputs` (every kind but
 * `meshy:prompt`), plus rigging. `Kind` is the import kind that made it.
 */
export interface TaskSpecOf<Kind extends string> extends RigSpec {
  kind: Kind;
  /** The request body without its media fields, defaults left out, the model pinned. */
  request: Record<string, JsonValue>;
  inputs: SpecInputs;
  /** File name for the asset (not part of the cache key). */
  name: string;
  /** A short human label for logs and `meta`. */
  label: string;
  optimize?: OptimizeOverrides;
}

/** The query keys every spec reads the same way: the file name, rigging and optimize overrides (a kind may lack the last two). */
export type SharedSpecQuery = { name?: string | undefined } & RigQuery & OptimizeQuery;

/** What every spec takes from its query the same way: the file name, rigging and optimize overrides. */
export interface SharedSpecParts extends RigSpec {
  name: string;
  /** Per-import optimize overrides: part of the optimized level's key only, never of the Meshy request. */
  optimize?: OptimizeOverrides;
}

/** The shared parts of a spec; `defaultName` names the file when the query does not. Absent rig and optimize stay absent, so keys stay stable. */
export function sharedSpecParts(query: SharedSpecQuery, defaultName: string): { parts: SharedSpecParts; problems: SpecProblem[] } {
  const rig = rigSpecFromQuery(query);
  const optimize = overridesFromQuery(query);
  return { parts: { name: query.name ?? defaultName, ...rig.spec, ...(optimize ? { optimize } : {}) }, problems: rig.problems };
}

export interface TaskSpecParts<Kind extends string> {
  kind: Kind;
  query: SharedSpecQuery;
  request: Record<string, JsonValue>;
  inputs: SpecInputs;
  /** The file name when the query gives none. */
  defaultName: string;
  label: string;
  /** Problems found so far; the shared parts' own are added after them. */
  problems: SpecProblem[];
}

/** Assembles a task spec and every problem found building it. */
export function taskSpec<Kind extends string>({
  kind,
  query,
  request,
  inputs,
  defaultName,
  label,
  problems,
}: TaskSpecParts<Kind>): {
  spec: TaskSpecOf<Kind>;
  problems: SpecProblem[];
} {
  const shared = sharedSpecParts(query, defaultName);
  const { name, ...rest } = shared.parts;
  // The label is logged: whatever a kind built it from, it leaves here printable.
  return { spec: { kind, request, inputs, name, label: printable(label), ...rest }, problems: [...problems, ...shared.problems] };
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
