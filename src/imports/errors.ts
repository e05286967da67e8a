import { MeshyPluginError } from '../errors.js';
import { clip, printableLines, quote } from './printable.js';

/** How much of an import id an error quotes: enough to recognise it, never a whole 1 MB prompt. */
const SHOWN_ID_LENGTH = 200;
const SHOWN_KEY_LENGTH = 60;

export interface SpecProblem {
  /** The query key at fault; '' for a problem with the import as a whole. */
  key: string;
  message: string;
}

/** An import that cannot become a Meshy request. Thrown before anything is generated or paid for. */
export class MeshySpecError extends MeshyPluginError {
  readonly problems: readonly SpecProblem[];
  readonly importId: string;
  readonly importer: string | undefined;

  constructor(importId: string, problems: SpecProblem[], importer?: string, allowedHelp?: string) {
    const where = importer ? ` in ${clip(importer, SHOWN_ID_LENGTH)}` : '';
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    const message = `Invalid Meshy import ${quoteImportId(importId)}${where}:\n${lines.join('\n')}${allowedHelp ? `\n${allowedHelp}` : ''}`;
    super('MESHY_INVALID_IMPORT', printableLines(message), { context: { importId: clip(importId, SHOWN_ID_LENGTH), importer, problems } });
    this.problems = problems;
    this.importId = importId;
    this.importer = importer;
  }
}

/** An import id as errors and logs show it: quoted, printable, at most ~200 characters, with its length when cut. */
export function quoteImportId(importId: string): string {
  return quote(importId, SHOWN_ID_LENGTH);
}

/** One problem as one line: `key: message`, printable. */
export function formatProblem(problem: SpecProblem): string {
  return clip(`${problem.key ? `${clip(problem.key, SHOWN_KEY_LENGTH)}: ` : ''}${problem.message}`, 2000);
}

/** Edit distance, for "did you mean" hints on mistyped option names. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  // A long word is no typo of a short name, and the distance is quadratic in its length.
  if (word.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}
