import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pluginOptionsSchema } from '../src/project/options.js';

const repo = resolve(import.meta.dirname, '..');
const README = join(repo, 'README.md');
const DOCS = readdirSync(join(repo, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .map((name) => join(repo, 'docs', name));

/** The markdown tables of a text: each a list of rows, each a list of cells (header first, separator dropped). */
function tables(markdown: string): string[][][] {
  const found: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      current = undefined;
      continue;
    }
    const cells = line
      .slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
    if (!current) found.push((current = []));
    current.push(cells);
  }
  return found;
}

/** The option names of the README's options table: the first cell of each row, in backticks. */
function readmeOptionRows(markdown: string): string[] {
  const optionTables = tables(markdown).filter((table) => table[0]![0] === 'option' && table[0]!.includes('default'));
  expect(optionTables, 'the README has exactly one table of plugin options (header: option | type | default | what it does)').toHaveLength(1);
  return optionTables[0]!.slice(1).map((row) => {
    const name = /^`(\w+)`$/.exec(row[0]!)?.[1];
    expect(name, `an options table row whose first cell is not one option name: ${row[0]}`).toBeDefined();
    return name!;
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    result.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return result;
}

/** Relative links (`[text](docs/a.md#b)`, `[text](#b)`) outside code. */
function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('README', () => {
  it('has one options table with a row for every plugin option and none for anything else', () => {
    const rows = readmeOptionRows(readFileSync(README, 'utf8'));
    const options = Object.keys(pluginOptionsSchema.shape);
    expect(rows.filter((name, index) => rows.indexOf(name) !== index)).toEqual([]);
    expect(
      options.filter((name) => !rows.includes(name)),
      'options without a row in the README',
    ).toEqual([]);
    expect(
      rows.filter((name) => !options.includes(name)),
      'README rows that are no option',
    ).toEqual([]);
  });

  it('the check fails for a missing row, an extra row and a second options table', () => {
    const readme = readFileSync(README, 'utf8');
    const withoutOverlay = readme.replace(/^\| `overlay` .*\n/m, '');
    expect(withoutOverlay).not.toBe(readme);
    expect(readmeOptionRows(withoutOverlay)).not.toContain('overlay');
    const options = Object.keys(pluginOptionsSchema.shape);
    const missing = (markdown: string) => options.filter((name) => !readmeOptionRows(markdown).includes(name));
    const extra = (markdown: string) => readmeOptionRows(markdown).filter((name) => !options.includes(name));
    expect(missing(withoutOverlay)).toEqual([...missing(readme), 'overlay']);
    const withExtra = readme.replace(/^(\| `overlay` .*\n)/m, '$1| `overlays` | `boolean` | `true` | a typo |\n');
    expect(extra(withExtra)).toEqual([...extra(readme), 'overlays']);
    expect(() => readmeOptionRows(`${readme}\n| option | type | default | what it does |\n| --- | --- | --- | --- |\n| \`x\` | a | b | c |\n`)).toThrow(
      /exactly one table/,
    );
  });

  it('links only to pages and headings that exist, in the README and docs/', () => {
    const broken: string[] = [];
    for (const page of [README, ...DOCS]) {
      for (const link of relativeLinks(readFileSync(page, 'utf8'))) {
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path ? resolve(dirname(page), path) : page;
        const shown = `${relative(repo, page)}: ${link}`;
        if (!existsSync(target)) {
          broken.push(`${shown} (no such file)`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(anchor)) broken.push(`${shown} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});
