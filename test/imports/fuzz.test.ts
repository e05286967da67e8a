import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshyPluginError } from '../../src/errors.js';
import { describeSpec, KINDS, MeshySpecError, namedModelImports, parseMeshyImport } from '../../src/imports/index.js';

/**
 * Property-based tests of the import parser and of named-model definitions: whatever a file or a
 * browser writes, parsing ends in a spec or in the plugin's typed errors, never in a TypeError (a
 * crash that may have let something through). The parser is pure: it creates no task.
 */

const NUM_RUNS = 2000;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'meshy-fuzz-'));
  await mkdir(join(root, 'art'));
  await writeFile(join(root, 'art/chair.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  await writeFile(join(root, 'art/crate.glb'), Buffer.from('glTF\u0002\u0000\u0000\u0000', 'latin1'));
  await writeFile(join(root, 'art/fake.png'), 'not a png');
});
afterAll(() => rm(root, { recursive: true, force: true }));

const VALID_IMPORTS = [
  'meshy:prompt?text=a weathered viking helmet&target_polycount=15000',
  'meshy:prompt?text=a crate&textured=false&name=crate&max_triangles=500',
  'meshy:prompt?text=a knight&pose_mode=t-pose&animation=walk,idle&rig_height=1.8',
  'meshy:image?src=./art/chair.png&should_texture=false',
  'meshy:image?src=https://a.example/chair.png&texture_image_url=https://a.example/t.png',
  'meshy:images?src=./art/chair.png,/art/chair.png&ai_model=meshy-7',
  'meshy:retexture?src=./art/crate.glb&text=mossy stone',
  'meshy:remesh?src=meshy:knight&target_polycount=3000&topology=quad',
  'meshy:text-to-image?text=a chair, concept art&aspect_ratio=4:3',
  'meshy:image-to-image?src=./art/chair.png&text=paint it',
  'meshy:image?src=meshy:text-to-image?text=a chair',
  'meshy:knight',
];

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'];
const KEYS = [
  ...PROTOTYPE_NAMES,
  'text',
  'src',
  'name',
  'ai_model',
  'target_polycount',
  'animation',
  'rig',
  'max_triangles',
  'texture_image_url',
  'style_images',
  't',
  'url',
];

const controlText = fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((code) => String.fromCharCode(code)), maxLength: 12 });
const invisibleText = fc.string({ unit: fc.constantFrom('\u200b', '\u200c', '\u200d', '\ufeff', '\u3164', '\u00a0', ' ', '\u202e', '\u2066'), maxLength: 8 });
const brokenPercent = fc.constantFrom('%', '%0', '%zz', '%E2%80', '%C3%28', '%F0%9F%92', '%25%', '%%41', '%u0041', '%00', '%1B%5B31m');
const pathLike = fc.constantFrom(
  '../x',
  '..',
  '/etc/passwd',
  './art/chair.png',
  './art/fake.png',
  '/art/crate.glb',
  'C:\\x',
  '\\\\server\\share',
  'meshy:knight',
  'meshy:constructor',
  'meshy:image?src=meshy:image?src=x',
);
const hugeValue = fc.constantFrom(
  'a'.repeat(5000),
  'é'.repeat(2000),
  '%41'.repeat(3000),
  `data:image/png;base64,${'A'.repeat(4000)}`,
  `https://a.example/${'x/'.repeat(2000)}`,
);

/** A value a query may hold: ordinary, unicode, control characters, invisible, paths, broken escapes, huge. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: controlText },
  { weight: 1, arbitrary: invisibleText },
  { weight: 2, arbitrary: pathLike },
  { weight: 2, arbitrary: brokenPercent },
  { weight: 1, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.constantFrom('true', 'false', '', '1e309', '-0', 'NaN', '0x10', ' 100 ', 'walk,walk', 'meshy-7.1', 'https://a.example/a.png') },
  { weight: 1, arbitrary: hugeValue },
);
const key = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });
const kind = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KINDS, 'knight', ...PROTOTYPE_NAMES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: controlText },
);

type Mutation = (id: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(key, value).map(
    ([k, v]): Mutation =>
      (id) =>
        `${id}${id.includes('?') ? '&' : '?'}${k}=${v}`,
  ),
  fc.tuple(key, value).map(
    ([k, v]): Mutation =>
      (id) =>
        `${id}${id.includes('?') ? '&' : '?'}${encodeURIComponent(k)}=${encodeURIComponent(v)}`,
  ),
  key.map(
    (k): Mutation =>
      (id) =>
        `${id}&${k}`,
  ),
  kind.map(
    (newKind): Mutation =>
      (id) =>
        id.replace(/^meshy:[^?]*/, `meshy:${newKind}`),
  ),
  fc.nat().map(
    (at): Mutation =>
      (id) =>
        id.slice(0, at % (id.length + 1)),
  ),
  fc.tuple(fc.nat(), fc.oneof(value, brokenPercent, fc.constantFrom('?', '&', '=', '#', ',', '\0'))).map(
    ([at, text]): Mutation =>
      (id) => {
        const cut = at % (id.length + 1);
        return `${id.slice(0, cut)}${text}${id.slice(cut)}`;
      },
  ),
  // Repeat an option that is already there.
  fc.nat().map(
    (at): Mutation =>
      (id) => {
        const options = id.split('?').slice(1).join('?').split('&');
        return options.length ? `${id}&${options[at % options.length]}` : id;
      },
  ),
);

const mutatedImport = fc
  .tuple(fc.constantFrom(...VALID_IMPORTS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([id, mutations]) => mutations.reduce((current, mutate) => mutate(current), id));
const randomImport = fc
  .tuple(kind, fc.array(fc.tuple(key, value), { maxLength: 5 }))
  .map(([k, options]) => `meshy:${k}${options.length ? `?${options.map(([name, v]) => `${name}=${v}`).join('&')}` : ''}`);

/** Runs `parse`; anything but a result or the plugin's typed errors fails the property. */
function onlyTypedErrors(parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    if (error instanceof MeshySpecError || error instanceof MeshyPluginError) return;
    throw error;
  }
}

const named = () => namedModelImports({ knight: { prompt: 'a knight', pose_mode: 't-pose' } }, {}, KINDS);

describe('fuzzing the import parser', () => {
  it('mutated valid imports end in a spec or a typed error', () => {
    const models = named();
    fc.assert(
      fc.property(mutatedImport, fc.constantFrom(undefined, join(root, 'main.js'), join(root, 'art/deep/x.js')), (id, importer) => {
        onlyTypedErrors(() => {
          const { spec, resolvedId } = parseMeshyImport(id, importer, models, { root });
          // What parsed is safe to use: a file base name, a printable label, an id that parses again to the same spec.
          expect(spec.name).not.toMatch(/[/\\]|\.\.|[\p{Cc}]/u);
          expect(describeSpec(spec)).not.toMatch(/\p{Cc}/u);
          expect(parseMeshyImport(resolvedId, importer, models, { root }).spec).toEqual(spec);
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('random imports end in a spec or a typed error, whose message is short and printable', () => {
    const models = named();
    fc.assert(
      fc.property(fc.oneof(randomImport, mutatedImport), (id) => {
        try {
          parseMeshyImport(id, join(root, 'main.js'), models, { root });
        } catch (error) {
          if (!(error instanceof MeshySpecError)) throw error;
          expect(error.message).not.toMatch(/(?![\n])\p{Cc}/u);
          // The import is quoted cut to ~200 characters; the rest is the option list of its kind.
          expect(error.message.split('\n')[0]!.length).toBeLessThan(400);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('named-model definitions end in imports or typed errors', () => {
    const optionValue = fc.oneof(value, fc.integer(), fc.double(), fc.boolean(), fc.array(value, { maxLength: 4 }));
    const definition = fc.oneof(
      fc.dictionary(key, optionValue, { maxKeys: 5 }),
      fc.record({ prompt: value, kind: fc.oneof(kind, optionValue) }, { requiredKeys: [] }),
      // JSON can hold a `__proto__` key as an own property, as config files loaded as JSON do.
      fc.tuple(key, optionValue).map(([k, v]) => JSON.parse(`{"prompt": "a lamp", ${JSON.stringify(k)}: ${JSON.stringify(v) ?? 'null'}}`)),
    );
    const modelName = fc.oneof(fc.constantFrom('lamp', 'knight', 'constructor', 'toString', ...KINDS), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.dictionary(modelName, definition, { maxKeys: 3 }), fc.dictionary(key, optionValue, { maxKeys: 3 }), (models, defaults) => {
        onlyTypedErrors(() => {
          const imports = namedModelImports(models, defaults, KINDS);
          for (const name of imports.keys()) onlyTypedErrors(() => parseMeshyImport(`meshy:${name}`, undefined, imports, { root }));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
