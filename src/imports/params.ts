import { z } from 'zod';

/** Query values arrive as strings; these turn them into typed values with messages a user can act on. */

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const shown = values.map((v) => (v === '' ? '"" (empty)' : v)).join(', ');
  return z.enum(values, { error: (issue) => `expected one of ${shown}; got "${String(issue.input)}"` });
}

/** How help text lists the values of an option: `a | b | c`. */
export function choices(values: readonly string[]): string {
  return values.join(' | ');
}

/** The optional base name of the emitted file, which every kind takes. */
export function fileName() {
  return z.string().trim().min(1).max(80).optional();
}

export function wholeNumber(min: number, max: number) {
  return z
    .string()
    .trim()
    .regex(/^-?\d+$/, { error: (issue) => `expected a whole number from ${min} to ${max}; got "${String(issue.input)}"` })
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
    error: (issue) => `expected true or false; got "${String(issue.input)}"`,
  });
}

export function text(maxLength: number) {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(maxLength, { error: (issue) => `must be at most ${maxLength} characters; got ${String((issue.input as string).length)}` });
}

/** An image reference Meshy can fetch itself: an https URL or a base64 data URI. */
export function imageUrl() {
  return z
    .string()
    .trim()
    .refine((value) => /^https:\/\/\S+$/i.test(value) || /^data:image\/(png|jpe?g);base64,/i.test(value), {
      error: 'expected an https:// URL or a data:image/png|jpeg;base64 URI',
    });
}
