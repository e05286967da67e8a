import { z } from 'zod';
import { remesh } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import { DECIMATION_DOC, DECIMATION_MODES, ORIGINS, POLYCOUNT, TOPOLOGIES } from '../models.js';
import { labelOf } from '../names.js';
import { choices, oneOf, wholeNumber } from '../params.js';
import { type SpecInputs, withoutDefaults } from '../task-spec.js';
import { defineKind, oneTask } from './kind.js';
import { MODEL_EDIT_DOCS, modelEditShape, modelEditSpec, modelSource } from './model-edit-options.js';

/** Meshy's defaults for a remesh, left out of the spec (https://docs.meshy.ai/en/api/remesh). */
const DEFAULTS = { topology: 'triangle', target_polycount: 30_000 };

const remeshQuerySchema = () =>
  z.strictObject({
    ...modelEditShape(),
    topology: oneOf(TOPOLOGIES).optional(),
    target_polycount: wholeNumber(POLYCOUNT.standard.min, POLYCOUNT.standard.max).optional(),
    decimation_mode: wholeNumber(1, DECIMATION_MODES.length).optional(),
    origin_at: oneOf(ORIGINS).optional(),
  });

/** `meshy:remesh?src=./statue.glb&target_polycount=5000&topology=quad` — Remesh (https://docs.meshy.ai/en/api/remesh). */
export const remeshKind = defineKind({
  name: 'remesh',
  output: 'model',
  schema: remeshQuerySchema,
  docs: {
    ...MODEL_EDIT_DOCS,
    topology: choices(TOPOLOGIES),
    target_polycount: `${POLYCOUNT.standard.min}–${POLYCOUNT.standard.max} (default ${DEFAULTS.target_polycount})`,
    decimation_mode: DECIMATION_DOC,
    origin_at: `${choices(ORIGINS)}: move the origin`,
  },
  inputKeys: { model_url: 'src' },
  build(query, context) {
    const problems: SpecProblem[] = [];
    const model = modelSource(query, context, problems);
    const request = withoutDefaults(
      { topology: query.topology, target_polycount: query.target_polycount, decimation_mode: query.decimation_mode, origin_at: query.origin_at },
      DEFAULTS,
    );
    const inputs: SpecInputs = model ? { model_url: model } : {};
    const label = model ? labelOf('remesh', [model]) : 'remesh';
    return modelEditSpec({ kind: 'remesh', query, request: { ...request, target_formats: ['glb'] }, inputs, label, suffix: 'remeshed', problems });
  },
  tasks: oneTask(remesh),
});
