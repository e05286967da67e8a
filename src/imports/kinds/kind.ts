import type { z } from 'zod';
import type { TaskResource } from '../../meshy/resources.js';
import type { SpecProblem } from '../errors.js';
import type { SourceContext, SourceKind } from '../inputs.js';
import type { SpecInputs, TaskSpecOf } from '../task-spec.js';

/**
 * One Meshy task an import asks for. `links` fill body fields with the ids of earlier tasks of the
 * same plan; `inputs` fill media fields from files, URLs or other imports, when the task is created.
 */
export interface KindTask {
  stage: string;
  resource: TaskResource;
  body: Record<string, unknown>;
  links?: Record<string, string>;
  inputs?: SpecInputs;
  /** Fields the task object echoes that the body lacks, to recognise the task in Meshy's list. */
  echoed?: Record<string, unknown>;
}

/**
 * One kind of import, `meshy:<name>?<query>`: everything the plugin knows about it. The registry
 * (index.ts) lists them; parsing, named models, plans, pricing and "is it an image" derive from it.
 */
export interface ImportKind<Name extends string = string, Schema extends z.ZodObject = z.ZodObject, Spec extends { kind: Name } = { kind: Name }> {
  name: Name;
  /** What the result is: a GLB model or a PNG image. */
  output: SourceKind;
  /** The query: one key per option, each parsing the string it is given. */
  schema: Schema;
  /** One line of help per query key, shown under an invalid import. */
  docs: Record<string, string>;
  /** The media fields of the spec's `inputs`, each with the query key it is written back to in canonical ids. */
  inputKeys: Record<string, string>;
  /** Builds the spec; problems of single fields are already reported by the schema. */
  build(query: z.output<Schema>, context: SourceContext): { spec: Spec; problems: SpecProblem[] };
  /**
   * The Meshy tasks that make the result, in order: which resources the kind uses, and so what it
   * costs (each resource is priced in src/meshy/pricing.ts). Rigging and animation are appended by the plan.
   * `NoInfer`: the spec's type comes from `build` alone.
   */
  tasks(spec: NoInfer<Spec>): KindTask[];
}

/**
 * Keeps a kind's name and output as literal types, so the registry can derive its unions from them.
 * Its schema is built on first use: building zod schemas is most of what loading the import parser
 * costs, and a project imports few of the kinds.
 */
export function defineKind<const Name extends string, Schema extends z.ZodObject, Spec extends { kind: Name }, const Output extends SourceKind>(
  kind: Omit<ImportKind<Name, Schema, Spec>, 'schema'> & { schema: () => Schema; output: Output },
): ImportKind<Name, Schema, Spec> & { output: Output } {
  let schema: Schema | undefined;
  return {
    ...kind,
    get schema() {
      schema ??= kind.schema();
      return schema;
    },
  };
}

/**
 * The tasks of a kind that is one Meshy request: `resource`, its body the spec's request, its media
 * fields the spec's inputs. Generic, so a kind whose spec is no task spec does not typecheck with it.
 */
export function oneTask(resource: TaskResource): <Spec extends TaskSpecOf<string>>(spec: Spec) => KindTask[] {
  return (spec) => [{ stage: 'generate', resource, body: spec.request, inputs: spec.inputs }];
}
