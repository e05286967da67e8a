import { truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSpec, MeshySpecError, namedModelImports, parseMeshyImport } from '../../src/imports/index.js';
import { labelOf, shorten } from '../../src/imports/names.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function errorOf(id: string, options: { importer?: string; root?: string; named?: Map<string, string> } = {}): MeshySpecError {
  try {
    parseMeshyImport(id, options.importer, options.named, options.root ? { root: options.root } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(MeshySpecError);
    return error as MeshySpecError;
  }
  throw new Error(`expected ${id.slice(0, 100)} to be rejected`);
}

/** The problems of a rejected import, as `key: message` lines. */
function problemsOf(id: string, options: Parameters<typeof errorOf>[1] = {}): string[] {
  return errorOf(id, options).problems.map((p) => `${p.key}: ${p.message}`);
}

const ESC = '\u001b';

describe('prototype-like kind and option names', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    'meshy:%s is an unknown kind (a MeshySpecError)',
    (kind) => {
      expect(problemsOf(`meshy:${kind}`)[0]).toMatch(/unknown kind "meshy:/);
      expect(problemsOf(`meshy:${kind}?text=a`)[0]).toMatch(/unknown kind "meshy:/);
    },
  );

  it('also with named models defined', () => {
    const named = namedModelImports({ knight: { prompt: 'a knight' } }, {}, []);
    for (const kind of ['constructor', '__proto__', 'toString']) expect(problemsOf(`meshy:${kind}`, { named })[0]).toMatch(/unknown kind/);
  });

  it.each(['__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty'])('&%s=x is an unknown option, never ignored', (key) => {
    expect(problemsOf(`meshy:prompt?text=a lamp&${key}=x`)).toEqual([expect.stringMatching(new RegExp(`^${key}: unknown option`))]);
  });

  it('a named model definition with a __proto__ key is refused like any unknown option', () => {
    const definition = JSON.parse('{"prompt": "a knight", "__proto__": "x"}');
    const named = namedModelImports({ knight: definition }, {}, []);
    expect(problemsOf('meshy:knight', { named })).toEqual([expect.stringMatching(/^__proto__: unknown option/)]);
  });
});

describe('name: a safe file base name', () => {
  it.each(['../x', '..', 'a/b', '/etc/passwd', 'a\\b', '..\\x', 'x..y', 'a:b', 'a*b', 'a%00b', `a%1B%5B31mb`, '%E2%80%8B'])(
    'rejects name=%s, naming the option',
    (name) => {
      const problems = problemsOf(`meshy:prompt?text=a lamp&name=${name}`);
      expect(problems).toEqual([expect.stringMatching(/^name: must be a file base name/)]);
      expect(problems[0]).not.toContain(ESC);
    },
  );

  it.each(['lamp', 'Lamp 2', 'stuhl-ä', 'lamp_v1.final'])('accepts name=%s', (name) => {
    expect(parseMeshyImport(`meshy:prompt?text=a lamp&name=${name}`).spec.name).toBe(name);
  });

  it('applies to every kind and to named models', () => {
    expect(problemsOf('meshy:text-to-image?text=a lamp&name=../x')).toEqual([expect.stringMatching(/^name: must be a file base name/)]);
    const named = namedModelImports({ lamp: { prompt: 'a lamp', name: '../../x' } }, {}, []);
    expect(problemsOf('meshy:lamp', { named })).toEqual([expect.stringMatching(/^name: must be a file base name/)]);
  });
});

describe('prompts', () => {
  it.each([
    ['%00', /control character \(U\+0000/],
    ['%00%01%02', /control character/],
    ['a%1B%5B31mred', /control character \(U\+001B at character 2\)/],
    ['%C2%9B31m', /control character \(U\+009B/],
    ['%E2%80%8B', /no visible characters/],
    ['%E2%80%8B%E2%80%8C%E2%80%8D%EF%BB%BF', /no visible characters/],
    ['%E3%85%A4', /no visible characters/], // Hangul filler: a "letter" that shows nothing
    ['%20%20', /must not be empty/],
  ])('rejects text=%s', (text, message) => {
    for (const id of [`meshy:prompt?text=${text}`, `meshy:text-to-image?text=${text}`, `meshy:prompt?text=a lamp&texture_prompt=${text}`]) {
      const problems = problemsOf(id);
      expect(problems.join('\n'), id).toMatch(message);
      expect(problems.join('\n')).not.toContain(ESC);
    }
  });

  it('accepts prompts in any script, with punctuation, emoji and line breaks', () => {
    for (const text of ['ein Stuhl', '木の椅子', 'a chair, #1!', '🪑', 'a chair%0Awith arms']) {
      expect(() => parseMeshyImport(`meshy:prompt?text=${text}`)).not.toThrow();
    }
  });

  it("keeps Meshy's prompt length limits", () => {
    expect(problemsOf(`meshy:prompt?text=${'a'.repeat(601)}`)).toEqual(['text: must be at most 600 characters; got 601']);
  });
});

describe('long imports', () => {
  it('an error quotes at most ~200 characters of the import and of each value', () => {
    const huge = 'a'.repeat(1024 * 1024);
    for (const id of [
      `meshy:prompt?text=${huge}`,
      `meshy:prompt?text=a&ai_model=${huge}`,
      `meshy:prompt?text=a&${huge}=1`,
      `meshy:${huge}`,
      `meshy:prompt?text=a&animation=${huge}`,
      `meshy:image?src=./${huge}.png`,
    ]) {
      const error = errorOf(id);
      expect(error.message, id.slice(0, 40)).not.toMatch(/a{220}/);
      expect(error.message.length).toBeLessThan(8_000);
    }
    expect(errorOf(`meshy:prompt?text=${huge}`).message).toMatch(/^Invalid Meshy import "meshy:prompt\?text=a+…" \(1048594 characters\)/);
  });

  it('a list of thousands of animations is refused without looking each one up', () => {
    const started = performance.now();
    expect(problemsOf(`meshy:prompt?text=a&animation=${'wlak,'.repeat(20_000)}`)).toEqual([
      expect.stringMatching(/^animation: at most 10 animations per model/),
    ]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('terminal escapes never reach a label or an error message', () => {
  it('an escape sequence in an input file name is not in the label', async () => {
    const root = await tempDir();
    await writeFile(join(root, `${ESC}[2Jred.png`), PNG);
    const parsed = parseMeshyImport('meshy:image?src=./%1B%5B2Jred.png', undefined, undefined, { root });
    expect(parsed.spec.kind === 'image' && parsed.spec.label).toBe('image /red.png');
    expect(describeSpec(parsed.spec)).not.toContain(ESC);
  });

  it('errors strip them from the import id, keys and values', () => {
    const error = errorOf(`meshy:prompt?text=a&${ESC}[31mkey=1&ai_model=${ESC}]0;title${String.fromCharCode(7)}`);
    expect(error.message).not.toMatch(/(?![\n])\p{Cc}/u);
    expect(errorOf(`meshy:${ESC}[31mprompt`).message).not.toContain(ESC);
  });

  it('shorten and labelOf print only printable text', () => {
    expect(shorten(`${ESC}[31mred${ESC}[0m\u0007 lamp\u202e`)).toBe('red lamp');
    expect(labelOf('image', [{ type: 'url', url: 'https://a.example/%1B%5B31mx.png' }])).toBe('image https://a.example/x.png');
  });
});

describe("Meshy's input limits", () => {
  it('refuses a data: URI over 25 MB before anything is paid for', () => {
    const big = `data:image/png;base64,${'A'.repeat(26 * 1024 * 1024)}`;
    expect(problemsOf(`meshy:prompt?text=a lamp&texture_image_url=${big}`)).toEqual([
      expect.stringMatching(/^texture_image_url: this data: URI is 26\.0 MB; Meshy refuses requests over 25\.0 MB/),
    ]);
    expect(problemsOf('meshy:prompt?text=a lamp&texture_image_url=data:image/png;base64,@@@')).toEqual([
      'texture_image_url: this data: URI holds no valid base64 data',
    ]);
  });

  it('refuses a file input whose data URI would be over 25 MB, without reading it', async () => {
    const root = await tempDir();
    await writeFile(join(root, 'huge.png'), PNG);
    await truncate(join(root, 'huge.png'), 20 * 1024 * 1024); // sparse: 20 MB → 26.7 MB as base64
    const problems = problemsOf('meshy:image?src=./huge.png', { root });
    expect(problems).toEqual([
      expect.stringMatching(/^src: "\.\/huge\.png" is 20\.0 MB, 26\.7 MB as the data URI it is sent as; Meshy refuses requests over 25\.0 MB/),
    ]);
    await truncate(join(root, 'huge.png'), 15 * 1024 * 1024);
    expect(() => parseMeshyImport('meshy:image?src=./huge.png', undefined, undefined, { root })).not.toThrow();
  });

  it('refuses files that are under the limit alone but over it together, in one request', async () => {
    const root = await tempDir();
    for (const name of ['front.png', 'side.png']) {
      await writeFile(join(root, name), PNG);
      await truncate(join(root, name), 10 * 1024 * 1024);
    }
    expect(problemsOf('meshy:images?src=./front.png,./side.png', { root })).toEqual([
      expect.stringMatching(
        /^: the 2 files of this import are 26\.7 MB together as the data URIs they are sent as, in one request; Meshy refuses requests over 25\.0 MB/,
      ),
    ]);
    await truncate(join(root, 'side.png'), 1024 * 1024);
    expect(() => parseMeshyImport('meshy:images?src=./front.png,./side.png', undefined, undefined, { root })).not.toThrow();
  });

  it('checks https:// URLs: no spaces, controls or credentials', () => {
    expect(problemsOf('meshy:image?src=https://a.example/my chair.png')).toEqual([expect.stringMatching(/^src: .* contains spaces or control characters/)]);
    expect(problemsOf('meshy:image?src=https://a.example/%1B.png')).toEqual([expect.stringMatching(/^src: .* contains spaces or control characters/)]);
    expect(problemsOf('meshy:image?src=https://user:secret@a.example/x.png')).toEqual([
      'src: "https://a.example/x.png" carries a user name or password: remove them',
    ]);
    expect(problemsOf('meshy:prompt?text=a&texture_image_url=https://a.example/a b.png')).toEqual([
      expect.stringMatching(/^texture_image_url: .* contains spaces/),
    ]);
    expect(parseMeshyImport('meshy:image?src=https://a.example/chair.png?v=2%26x=1').resolvedId).toContain(
      'https%3A%2F%2Fa.example%2Fchair.png%3Fv%3D2%26x%3D1',
    );
  });
});
