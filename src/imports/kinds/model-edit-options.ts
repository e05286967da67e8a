import { z } from 'zod';
import type { SpecProblem } from '../errors.js';
import { type SourceContext, source } from '../inputs.js';
import { nameOf } from '../names.js';
import { OPTIMIZE_QUERY_DOCS, optimizeQueryShape } from '../optimize-keys.js';
import { fileName } from '../params.js';
import { RIG_QUERY_DOCS, type RigQuery, rigQueryShape } from '../rig.js';
import { type JsonValue, type SharedSpecQuery, type SpecInputs, taskSpec } from '../task-spec.js';

/** The options `meshy:retexture` and `meshy:remesh` share: the model they change, its file name, rigging and optimizing. */
export const modelEditShape = () => ({
  src: z.string({ error: 'the model is required: src=./model.glb or src=meshy:<named model>' }),
  name: fileName(),
  ...rigQueryShape(),
  ...optimizeQueryShape(),
});

/**
 * Models Meshy retextures and remeshes (https://docs.meshy.ai/en/api/remesh, https://docs.meshy.ai/en/api/retexture):
 * single files only; `.gltf` would need its side files.
 */
export const MODEL_EDIT_DOCS = {
  src: 'the model: a project .glb/.obj/.fbx/.stl file, an https:// URL, or a meshy: model import (e.g. meshy:knight) to reuse its geometry',
  name: 'base name of the emitted file',
  ...RIG_QUERY_DOCS,
  ...OPTIMIZE_QUERY_DOCS,
};

/** Rigging takes GLB only (https://docs.meshy.ai/en/api/rigging), so a rigged edit of a file needs a GLB source. */
export function modelSource(query: RigQuery & { src: string }, context: SourceContext, problems: SpecProblem[]) {
  const rigged = query.rig === true || query.animation !== undefined;
  return source('src', query.src, context, problems, 'model', rigged ? ['.glb'] : undefined);
}

export interface ModelEditSpecParts<Kind extends string> {
  kind: Kind;
  query: SharedSpecQuery;
  request: Record<string, JsonValue>;
  inputs: SpecInputs;
  label: string;
  /** Appended to the model's name for the file name: `crate-retextured`. */
  suffix: string;
  problems: SpecProblem[];
}

/** The spec of either kind, its file named after the model it changes. */
export function modelEditSpec<Kind extends string>({ kind, query, request, inputs, label, suffix, problems }: ModelEditSpecParts<Kind>) {
  const model = inputs.model_url;
  const base = model && !Array.isArray(model) ? nameOf(model) : 'model';
  return taskSpec({ kind, query, request, inputs, defaultName: `${base}-${suffix}`, label, problems });
}
