import { stripVTControlCharacters } from 'node:util';

/**
 * Text that came from an import (a prompt, a file name, an option) is shown in terminals, logs and
 * error messages. An import is written by anyone who can send the dev server a module id, so what
 * is printed of it must not drive the terminal (ANSI/VT escapes, other C0/C1 controls, bidi
 * overrides that reorder what is shown) nor flood it (a 1 MB prompt echoed whole).
 */

/** C0/C1 control characters (line breaks included) and bidirectional controls. */
const CONTROLS = /[\p{Cc}\p{Bidi_Control}]/gu;
/** The same, but line breaks stay (multi-line messages). */
const CONTROLS_BUT_LINE_BREAKS = /(?![\n])[\p{Cc}\p{Bidi_Control}]/gu;

/** One line of printable text: escape sequences removed, line breaks and tabs as spaces, other controls dropped. */
export function printable(text: string): string {
  return stripVTControlCharacters(text)
    .replace(/[\t\n\r]+/g, ' ')
    .replace(CONTROLS, '');
}

/** Printable text that keeps its line breaks: for multi-line messages. */
export function printableLines(text: string): string {
  return stripVTControlCharacters(text).replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROLS_BUT_LINE_BREAKS, '');
}

/** At most `max` characters of printable text, an ellipsis marking the cut. */
export function clip(text: string, max: number): string {
  const shown = printable(text);
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** A value quoted in a message: printable, at most ~100 characters, with its length when cut. */
export function quote(value: string, max = 100): string {
  const shown = printable(value);
  return shown.length > max ? `"${shown.slice(0, max - 1)}…" (${value.length} characters)` : `"${shown}"`;
}

/** The first control character of `text` (tabs and line breaks allowed), as `U+001B at character 5`; undefined when there is none. */
export function controlCharacterIn(text: string): string | undefined {
  const match = /(?![\t\n\r])[\p{Cc}]/u.exec(text);
  if (!match) return undefined;
  return `U+${match[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} at character ${match.index + 1}`;
}

/**
 * Whether text shows anything: a letter, digit, punctuation mark or symbol that is not a default
 * ignorable (zero-width spaces, joiners and fillers render as nothing).
 */
export function hasVisibleCharacter(text: string): boolean {
  return /(?!\p{Default_Ignorable_Code_Point})[\p{L}\p{N}\p{P}\p{S}]/u.test(text);
}
