import type { z } from 'zod';
import { ApiError } from './http.js';

/**
 * Request validation shared by resources: zod checks each field's type and values, and its issues
 * become one 400 message that names every offending field (https://docs.meshy.ai/en/api/errors).
 */
export function parseBody<T extends z.ZodType>(schema: T, body: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  throw new ApiError(400, result.error.issues.map(describeIssue).join('; '));
}

/** Throws one 400 for a failed cross-field rule. */
export function reject(message: string): never {
  throw new ApiError(400, message);
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = fieldName(issue.path);
  const got = 'input' in issue ? ` (got ${show(issue.input)})` : '';
  switch (issue.code) {
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return `${field} is required`;
      return `${field} must be ${EXPECTED[issue.expected] ?? issue.expected}${got}`;
    case 'invalid_value':
      if ('input' in issue && issue.input === undefined) return `${field} is required`;
      return `${field} must be one of ${issue.values.map(show).join(', ')}${got}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `${field} must be at most ${issue.maximum} characters (got ${String((issue.input as string).length)})`
        : `${field} must be at most ${issue.maximum}${got}`;
    case 'too_small':
      if (issue.origin === 'string' && issue.minimum === 1) return `${field} must not be empty`;
      return issue.origin === 'string' ? `${field} must be at least ${issue.minimum} characters` : `${field} must be at least ${issue.minimum}${got}`;
    default:
      return `${field} ${issue.message}`;
  }
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`)).join('') || 'body';
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
