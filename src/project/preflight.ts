import { isAbsolute, join, relative, resolve } from 'node:path';
import { MeshyPluginError } from '../errors.js';
import { formatProblem, MeshySpecError, quoteImportId } from '../imports/errors.js';
import type { MeshySpec } from '../imports/index.js';
import { printable } from '../imports/printable.js';
import type { MeshyProject } from './index.js';
import { type FoundImport, findMeshyImports } from './scan.js';

/**
 * Validation before anything is paid for. A build meets its imports one module at a time, in no
 * fixed order: without this, it would pay for the valid ones it meets first and then fail on an
 * invalid one elsewhere. So at build start every `meshy:` import the sources hold (found by the
 * CLI's scanner) and every named model is parsed, its file inputs read, and all problems are
 * reported at once, with every model that would have to be generated with an ai_model Meshy retired. Ids built at run time are still validated when the build resolves them.
 */

/** An import that does not parse, where it is written, and its problems as `key: message` lines. */
export interface InvalidImport {
  /** `src/game.ts:12`, or where a named model is defined. */
  where: string;
  /** The import as the error names it (a named model: the import its definition stands for). */
  id: string;
  /** Where the error says the import is (`src/game.ts`, `meshy({ models: { knight } })`). */
  importer: string;
  problems: string[];
}

export interface PreflightOptions {
  /** Folders not to scan besides node_modules, dist and hidden ones (absolute or root-relative): the build output, `public/`. */
  skip?: readonly string[];
  /** Where a named model is defined, for messages. Default: `meshy({ models: { name } })`. */
  describeNamedModel?: (name: string) => string;
  /** Told of every import that parses (as written, and as parsed: its resolved id and spec). */
  onParsed?: (id: string, parsed: { resolvedId: string; spec: MeshySpec }) => void;
}

/** Every invalid `meshy:` import of the project and every invalid named model; empty when all parse. */
export async function findInvalidImports(project: MeshyProject, options: PreflightOptions = {}): Promise<InvalidImport[]> {
  const invalid: InvalidImport[] = [];
  const parsed: { id: string; where: string; importer: string; spec: MeshySpec }[] = [];
  const check = (id: string, where: string, file?: string): boolean => {
    try {
      const resolved = project.resolve(id, file);
      const { spec } = resolved;
      options.onParsed?.(id, resolved);
      parsed.push({ id, where, importer: file ? relative(project.root, file) : where, spec });
      return true;
    } catch (error) {
      if (error instanceof MeshySpecError) {
        invalid.push({ where, id: error.importId, importer: error.importer ?? where, problems: error.problems.map(formatProblem) });
      } else {
        invalid.push({ where, id, importer: file ? relative(project.root, file) : where, problems: [printable((error as Error).message ?? String(error))] });
      }
      return false;
    }
  };

  const invalidNamed = new Set<string>();
  for (const name of project.namedModels.keys()) {
    const where = options.describeNamedModel?.(name) ?? `meshy({ models: { ${name} } })`;
    if (!check(`meshy:${name}`, where)) invalidNamed.add(name);
  }

  for (const literal of await findLiteralImports(project.root, [project.layout.dir, ...(options.skip ?? [])])) {
    // A broken named model is reported once, where it is defined.
    if (invalidNamed.has(literal.id.slice('meshy:'.length))) continue;
    check(literal.id, `${literal.file}:${literal.line}`, join(project.root, literal.file));
  }
  // A retired ai_model parses, for its stored models' sake; one that would have to be generated is refused now.
  const reported = new Set<string>();
  for (const item of parsed) {
    const problems = await project.source.retiredMisses(item.spec);
    // Once per model: a named model before the imports of it.
    const key = problems.length > 0 ? project.source.keyOf(item.spec) : '';
    if (!key || reported.has(key)) continue;
    reported.add(key);
    invalid.push({ where: item.where, id: item.id, importer: item.importer, problems: problems.map(printable) });
  }
  return invalid;
}

/**
 * The `meshy:` imports written as literals in the project's sources (outside `skip`, node_modules,
 * dist and hidden folders). Literal imports only: any other literal may be text (`hot.on('meshy:done')`,
 * a label, a comment) or part of an id built at run time, and those are validated when the build resolves them.
 */
export async function findLiteralImports(root: string, skip: readonly string[]): Promise<FoundImport[]> {
  const folders = skip.map((dir) => relative(root, resolve(root, dir)));
  const found = await findMeshyImports(
    root,
    folders.filter((dir) => dir !== '' && !dir.startsWith('..') && !isAbsolute(dir)),
  );
  return found.filter((item) => item.specifier);
}

/** Thrown at build start when imports do not parse: before any Meshy task is created. */
export class MeshyInvalidImportsError extends MeshyPluginError {
  readonly invalid: readonly InvalidImport[];

  constructor(invalid: InvalidImport[]) {
    super('MESHY_INVALID_IMPORTS', formatInvalidImports(invalid), { context: { invalid } });
    this.invalid = invalid;
  }
}

/**
 * The report of invalid imports: each as a MeshySpecError words it (the import, its file, each
 * problem), after its file and line, compiler style: `src/game.ts:12: Invalid Meshy import …`.
 */
function formatInvalidImports(invalid: readonly InvalidImport[]): string {
  const problems = invalid.reduce((sum, item) => sum + item.problems.length, 0);
  const lines = invalid.flatMap((item) => {
    const where = item.where === item.importer ? '' : `${printable(item.where)}: `;
    return [`${where}Invalid Meshy import ${quoteImportId(item.id)} in ${printable(item.importer)}:`, ...item.problems.map((problem) => `  - ${problem}`)];
  });
  return [
    `${invalid.length} invalid Meshy import${invalid.length === 1 ? '' : 's'} (${problems} problem${problems === 1 ? '' : 's'}); nothing was generated or paid for:`,
    ...lines,
    'Fix them, then build again: the options of each kind are listed in the README ("Imports"), and `npx vite-plugin-meshy status` lists these too.',
  ].join('\n');
}
