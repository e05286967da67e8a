import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A `meshy:` import found in a source file. */
export interface FoundImport {
  id: string;
  /** Relative to the project root. */
  file: string;
  line: number;
}

const SOURCE_FILE = /\.(m?[jt]sx?|cjs|cts|vue|svelte|astro|html|mdx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.git', '.vite', 'coverage']);
/** A string literal that starts with `meshy:`; template literals with `${}` are not static imports. */
const MESHY_LITERAL = /(["'`])(meshy:[^"'`\r\n$]+)\1/g;

/**
 * Every `meshy:` string literal in the project's sources: what `prefetch`, `status` and `gc` work
 * from. A text search rather than a bundle: it sees dynamic imports and code a build would tree-shake.
 */
export async function findMeshyImports(root: string, skip: readonly string[] = []): Promise<FoundImport[]> {
  const skipped = new Set(skip.map((dir) => join(root, dir)));
  const found: FoundImport[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.') && !skipped.has(path)) await walk(path);
      } else if (entry.isFile() && SOURCE_FILE.test(entry.name)) {
        const text = await readFile(path, 'utf8');
        if (!text.includes('meshy:')) continue;
        for (const match of text.matchAll(MESHY_LITERAL)) {
          const line = text.slice(0, match.index).split('\n').length;
          found.push({ id: match[2]!, file: relative(root, path), line });
        }
      }
    }
  }
  await walk(root);
  return found.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}
