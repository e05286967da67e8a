import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A `meshy:` string literal found in a source file. */
export interface FoundImport {
  id: string;
  /** Relative to the project root. */
  file: string;
  line: number;
  /**
   * Whether the literal, in code, is the whole specifier of an `import … from`, `import '…'`,
   * `export … from` or `import('…')`. Other literals may be ids handed to a dynamic import later,
   * parts of an id built at run time (`'meshy:prompt?text=' + name`), text (`'meshy:done'`, an HMR
   * event) or an example in a comment.
   */
  specifier?: boolean;
}

const SOURCE_FILE = /\.(m?[jt]sx?|cjs|cts|vue|svelte|astro|html|mdx)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.git', '.vite', 'coverage']);
/** A one-line string literal that starts with `meshy:`, escapes included (`"a \"quoted\" lamp"`). */
const MESHY_LITERAL = /(["'`])(meshy:(?:\\.|(?!\1)[^\\\r\n])*)\1/g;
/** What comes right before a static module specifier (`from '…'`, `import '…'`) or a dynamic one (`import('…'`). */
const BEFORE_STATIC_SPECIFIER = /(?:\bfrom|\bimport)\s*$/;
const BEFORE_DYNAMIC_SPECIFIER = /\bimport\s*\(\s*$/;
/** After a dynamic import's specifier: the call ends or its options follow (not `+ name`). */
const AFTER_DYNAMIC_SPECIFIER = /^\s*[),]/;
/** JavaScript and TypeScript modules, whose comments are told apart from code. */
const SCRIPT_FILE = /\.(m?[jt]sx?|c[jt]s)$/;

/**
 * Every `meshy:` string literal in the project's sources: what `prefetch`, `status` and `gc` work
 * from, and what a build validates before it starts. A text search rather than a bundle: it sees
 * dynamic imports and code a build would tree-shake. `skip`: folders relative to the root.
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
        const code = SCRIPT_FILE.test(entry.name) ? blankComments(text) : text;
        for (const match of text.matchAll(MESHY_LITERAL)) {
          // A template literal with `${}` is built at run time: it is validated when the build resolves it.
          if (match[1] === '`' && match[2]!.includes('${')) continue;
          const line = text.slice(0, match.index).split('\n').length;
          const inCode = code[match.index] === match[1];
          const specifier = inCode && isSpecifier(code.slice(Math.max(0, match.index - 40), match.index), code.slice(match.index + match[0].length));
          found.push({ id: unescapeLiteral(match[2]!), file: relative(root, path), line, specifier });
        }
      }
    }
  }
  await walk(root);
  return found.sort((a, b) => (a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1));
}

function isSpecifier(before: string, after: string): boolean {
  if (BEFORE_DYNAMIC_SPECIFIER.test(before)) return AFTER_DYNAMIC_SPECIFIER.test(after.slice(0, 40));
  return BEFORE_STATIC_SPECIFIER.test(before);
}

/**
 * The text with its `//` and `/* *\/` comments turned into spaces (line breaks kept, so offsets and
 * lines stay), string and template literals copied as they are. Regular expression literals are not
 * recognised: one holding `//` or a quote may hide the rest of its line, which is then only validated
 * when the build resolves it.
 */
function blankComments(text: string): string {
  let out = '';
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    const next = text[at + 1];
    let end: number;
    if (char === '/' && (next === '/' || next === '*')) {
      const close = next === '/' ? text.indexOf('\n', at) : text.indexOf('*/', at + 2);
      end = close === -1 ? text.length : next === '/' ? close : close + 2;
      out += text.slice(at, end).replace(/[^\n]/g, ' ');
    } else if (char === '"' || char === "'" || char === '`') {
      end = at + 1;
      while (end < text.length && text[end] !== char && (char === '`' || text[end] !== '\n')) end += text[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, text.length);
      out += text.slice(at, end);
    } else {
      end = at + 1;
      out += char;
    }
    at = end;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', '0': '\0' };

/** The string a JavaScript literal's body stands for: `\"`, `\n`, `\x41`, `\u0041` and `\u{1F600}` decoded. */
function unescapeLiteral(body: string): string {
  return body.replace(/\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (_, sequence: string) => {
    if (sequence.length > 1) {
      const code = Number.parseInt(sequence.replace(/^[ux]\{?|\}$/g, ''), 16);
      return code <= 0x10ffff ? String.fromCodePoint(code) : sequence;
    }
    return SIMPLE_ESCAPES[sequence] ?? sequence;
  });
}
