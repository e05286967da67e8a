import { z } from 'zod';
import { dataUriProblem, httpsUrlProblem, MAX_DATA_URI_LENGTH } from './limits.js';
import { controlCharacterIn, hasVisibleCharacter, quote } from './printable.js';

/** Query values arrive as strings; these turn them into typed values with messages a user can act on. */

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const shown = values.map((v) => (v === '' ? '"" (empty)' : v)).join(', ');
  return z.enum(values, { error: (issue) => `expected one of ${shown}; got ${quote(String(issue.input))}` });
}

/**
 * A comma-separated list (`animation=walk,idle`, `src=./front.png,./side.png`). The brand is types
 * only: it tells the named models' types (named.ts) that a definition may give an array here.
 */
export function commaList(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).brand<'CommaList'>();
}

/** How help text lists the values of an option: `a | b | c`. */
export function choices(values: readonly string[]): string {
  return values.join(' | ');
}

/** Characters no portable file name holds (Windows forbids them, `/` and `\` separate folders). */
const UNSAFE_FILE_CHARACTERS = /[/\\<>:"|?*]/;

/** Why `name` cannot be the base name of an emitted file, or undefined when it can. */
function fileNameProblem(name: string): string | undefined {
  const control = controlCharacterIn(name) ?? (/[\t\n\r]/.test(name) ? 'a line break or tab' : undefined);
  if (control) return `must be a file base name; it contains a control character (${control})`;
  if (UNSAFE_FILE_CHARACTERS.test(name) || name.includes('..')) {
    return `must be a file base name, without folders: no /, \\, "..", or any of <>:"|?*; got ${quote(name)}`;
  }
  if (!hasVisibleCharacter(name)) return `must be a file base name with visible characters; got ${quote(name)}`;
  return undefined;
}

/** The optional base name of the emitted file, which every kind takes. */
export function fileName() {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(80, { error: (issue) => `must be at most 80 characters; got ${String((issue.input as string).length)}` })
    .superRefine((name, context) => {
      const problem = fileNameProblem(name);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .optional();
}

export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, { error: (issue) => `expected a whole number from ${min} to ${max}; got ${quote(String(issue.input))}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: (issue) => `must be at least ${min}; got ${String(issue.input)}` })
        .max(max, { error: (issue) => `must be at most ${max}; got ${String(issue.input)}` }),
    );
}

/** `&enable_pbr` alone means true, as in HTML boolean attributes. */
export function flag() {
  return z.stringbool({
    truthy: ['', 'true', '1', 'yes', 'on'],
    falsy: ['false', '0', 'no', 'off'],
    error: (issue) => `expected true or false; got ${quote(String(issue.input))}`,
  });
}

/** Why a prompt is no text Meshy can use, or undefined when it is. */
function promptProblem(text: string): string | undefined {
  const control = controlCharacterIn(text);
  if (control) return `contains a control character (${control}); write plain text`;
  if (!hasVisibleCharacter(text)) return 'has no visible characters (only spaces, zero-width or invisible characters)';
  return undefined;
}

/** A prompt: plain, visible text of at most `maxLength` characters (Meshy's limit). */
export function text(maxLength: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(maxLength, { error: (issue) => `must be at most ${maxLength} characters; got ${String((issue.input as string).length)}` })
    .superRefine((value, context) => {
      const problem = promptProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });
}

/** An image reference Meshy can fetch itself: an https URL or a base64 data URI of at most MAX_DATA_URI_LENGTH. */
export function imageUrl() {
  return z
    .string()
    .trim()
    .superRefine((value, context) => {
      const problem = /^https:\/\//i.test(value)
        ? httpsUrlProblem(value)
        : /^data:image\/(png|jpe?g);base64,/i.test(value)
          ? dataUriProblem(value)
          : `expected an https:// URL or a data:image/png|jpeg;base64 URI (at most ${MAX_DATA_URI_LENGTH / 1024 / 1024} MB); got ${quote(value, 60)}`;
      if (problem) context.addIssue({ code: 'custom', message: problem });
    });
}
