import { inputText, type SourceInput } from './inputs.js';
import { printable } from './printable.js';

/** File-name friendly, short, never empty: "A Weathered Viking Helmet!" → "a-weathered-viking-helmet". */
export function slugify(value: string, maxLength = 48): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/g, '');
  return slug || 'model';
}

/** A file name for the asset, from the first input: `./concepts/chair.png` → `chair`. */
export function nameOf(input: SourceInput): string {
  const text = inputText(input).replace(/[?#].*$/, '');
  const base = text.slice(text.lastIndexOf('/') + 1).replace(/\.[a-z0-9]+$/i, '');
  return slugify(input.type === 'generated' ? text.replace(/^meshy:/, '') : base);
}

/** A short label for logs: the kind and the inputs it transforms; printable (see shorten). */
export function labelOf(kind: string, inputs: SourceInput[]): string {
  return `${kind} ${shorten(inputs.map((input) => readable(inputText(input))).join(', '))}`;
}

/**
 * Text from an import as labels and logs show it: at most 60 characters, an ellipsis marking the
 * cut, without terminal escape sequences or other control characters (a prompt is the requester's text).
 */
export function shorten(text: string): string {
  const shown = printable(text);
  return shown.length > 60 ? `${shown.slice(0, 57)}…` : shown;
}

function readable(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
