/**
 * Text as printed, without the colours Vite and Rolldown wrap their own lines in (picocolors turns
 * them on when `CI` is set): an SGR sequence at the start or end of a line. Anything a request or an
 * import put inside a line stays, so a test can still see it.
 */
export function withoutHostColours(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what this removes.
  return text.replace(/^(?:\x1b\[[0-9;]*m)+|(?:\x1b\[[0-9;]*m)+$/gm, '');
}
