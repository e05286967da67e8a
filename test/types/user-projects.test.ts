import { readFileSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_KINDS } from '../../src/imports/kinds/index.js';
import { writeModelTypes } from '../../src/vite/typegen.js';
import { ensureDistBuilt } from '../helpers/dist.js';
import { useTempDirs } from '../helpers/tmp.js';

/**
 * The package's types as a user's project sees them: the built dist and types/, installed under
 * node_modules, checked by the TypeScript compiler in the two tsconfig layouts the README describes.
 * Every line marked `// ✗ <pattern>` must be an error matching the pattern; nothing else may be.
 */

const repo = resolve(import.meta.dirname, '../..');
const tempDir = useTempDirs();

const models = {
  knight: { prompt: 'a knight in weathered plate armour', pose_mode: 't-pose', target_polycount: 8000, animation: ['walk', 'idle'] },
  barrel: { prompt: 'an oak barrel', textured: false },
  concept: { kind: 'text-to-image', prompt: 'a carved oak chair, front view', aspect_ratio: '4:3' },
};

const MAIN = `import helmet, { meta } from 'meshy:prompt?text=a weathered viking helmet&target_polycount=15000';
import chair from 'meshy:image?src=./concepts/chair.png&target_polycount=8000';
import statue from 'meshy:images?src=/art/front.png,/art/side.png';
import mossy from 'meshy:retexture?src=meshy:knight&text=mossy stone';
import low from 'meshy:remesh?src=meshy:knight&target_polycount=3000';
import sky, { meta as skyMeta } from 'meshy:text-to-image?text=a sky';
import night from 'meshy:image-to-image?src=./sky.png&text=at night';
import knight, { meta as knightMeta } from 'meshy:knight';
import concept, { meta as conceptMeta } from 'meshy:concept';
import { onModelUpdate } from 'vite-plugin-meshy/client';
import type { MeshyModelMeta } from 'vite-plugin-meshy';
import type { MeshyModelName } from 'vite-plugin-meshy/models';

const urls: string[] = [helmet, chair, statue, mossy, low, sky, night, knight, concept];
const triangles: number = meta.triangles + knightMeta.triangles;
const sizes: number[] = [skyMeta.width, conceptMeta.height];
const status: 'ready' | 'preview' | 'pending' = meta.status;
const names: MeshyModelName[] = ['knight', 'barrel', 'concept'];
const all: MeshyModelMeta[] = [meta, knightMeta];
onModelUpdate(meta, ({ url, meta }) => console.log(url, meta.triangles));
export { urls, triangles, sizes, status, names, all };
`;

const TYPOS = `import barel from 'meshy:barel'; // ✗ Cannot find module 'meshy:barel'
import promt from 'meshy:promt?text=a crate'; // ✗ Cannot find module 'meshy:promt\\?text=a crate'
import { meta } from 'meshy:barrel';
const wrong: string = meta.triangles; // ✗ Type 'number' is not assignable to type 'string'
const missing = meta.trianglez; // ✗ Property 'trianglez' does not exist on type 'MeshyModelMeta'
export { barel, promt, wrong, missing };
`;

const CONFIG = `import { defineMeshyConfig } from 'vite-plugin-meshy';

export default defineMeshyConfig({
  defaults: { enable_pbr: true, texture_prompt: 'hand-painted' },
  models: ${JSON.stringify(models, null, 2)},
});
`;

const VITE_CONFIG = `import { defineConfig } from 'vite';
import meshy from 'vite-plugin-meshy';

export default defineConfig({
  plugins: [
    meshy({
      storeDir: '.meshy',
      mode: 'generate',
      maxCredits: 200,
      emulator: { profile: 'standard', taskDurationMs: 500 },
      optimize: { preset: 'mobile', maxTextureSize: 1024 },
      models: { crate: { prompt: 'a wooden crate', target_polycount: 3000, optimize: false } },
    }),
  ],
});
`;

const BAD_CONFIG = `import meshy, { defineMeshyConfig } from 'vite-plugin-meshy';

export const issue = defineMeshyConfig({
  models: { knight: { promt: 'a knight', pose_mode: 'x-pose', target_polycount: 'many' } }, // ✗ x-pose
});
export const misspelt = defineMeshyConfig({
  models: { knight: { prompt: 'a knight', promt: 'a knight' } }, // ✗ 'promt' does not exist
});
export const pose = defineMeshyConfig({
  models: { knight: { prompt: 'a knight', pose_mode: 'x-pose' } }, // ✗ '"x-pose"' is not assignable
});
export const polycount = defineMeshyConfig({
  models: { knight: { prompt: 'a knight', target_polycount: 'many' } }, // ✗ 'string' is not assignable to type 'number'
});
export const otherKind = defineMeshyConfig({
  models: { chair: { kind: 'image', src: './chair.png', textured: false } }, // ✗ 'textured' does not exist
});
export const noKind = defineMeshyConfig({
  models: { chair: { kind: 'sculpture', prompt: 'a chair' } }, // ✗ '"sculpture"' is not assignable
});
export const defaults = defineMeshyConfig({
  defaults: { enable_pbr: 'yes' }, // ✗ 'string' is not assignable to type 'boolean
});
export const emulator = meshy({ emulator: { profil: 'standard' } }); // ✗ 'profil' does not exist
export const mode = meshy({ mode: 'froze' }); // ✗ '"froze"' is not assignable
`;

const COMPILER_OPTIONS = {
  target: 'ES2022',
  module: 'ESNext',
  moduleResolution: 'bundler',
  strict: true,
  noEmit: true,
  skipLibCheck: true,
};

/** A project with the package installed as a user's is: its published files under node_modules. */
async function userProject(files: Record<string, string>): Promise<string> {
  const root = await tempDir();
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  await mkdir(join(root, 'node_modules/vite-plugin-meshy'), { recursive: true });
  for (const published of ['package.json', 'dist', 'types']) {
    await symlink(join(repo, published), join(root, 'node_modules/vite-plugin-meshy', published));
  }
  await mkdir(join(root, 'node_modules/@types'), { recursive: true });
  for (const dependency of ['vite', 'zod', '@types/node']) await symlink(join(repo, 'node_modules', dependency), join(root, 'node_modules', dependency));
  await writeModelTypes(join(root, '.meshy'), models);
  return root;
}

interface Problem {
  file: string;
  line: number;
  message: string;
}

const parsedLibraries = new Map<string, ts.SourceFile | undefined>();

/** Type-checks a tsconfig as `tsc -b` would: the project, then each project it references. */
function check(configFile: string): { problems: Problem[]; files: string[] } {
  const config = ts.getParsedCommandLineOfConfigFile(configFile, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error(`cannot read ${configFile}`);
  expect(config.errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n'))).toEqual([]);
  const host = ts.createCompilerHost(config.options);
  const readSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    // Declarations of the libraries are the same files in every project (symlinks resolve to the repository's): parse them once.
    if (!fileName.includes('/node_modules/') && !fileName.startsWith(repo)) return readSourceFile(fileName, languageVersion, ...rest);
    const key = `${fileName}:${JSON.stringify(languageVersion)}`;
    let file = parsedLibraries.get(key);
    if (!file) parsedLibraries.set(key, (file = readSourceFile(fileName, languageVersion, ...rest)));
    return file;
  };
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences ?? [], host });
  const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const file = diagnostic.file;
    const line = file && diagnostic.start !== undefined ? file.getLineAndCharacterOfPosition(diagnostic.start).line + 1 : 0;
    return { file: file?.fileName ?? configFile, line, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') };
  });
  const nested = (config.projectReferences ?? []).map((reference) => check(ts.resolveProjectReferencePath(reference)));
  return {
    problems: [...problems, ...nested.flatMap((result) => result.problems)],
    files: [...config.fileNames, ...nested.flatMap((result) => result.files)],
  };
}

/** The lines marked `// ✗ pattern` of the project's files. */
function expectedProblems(root: string, files: Record<string, string>): Problem[] {
  return Object.entries(files).flatMap(([path, text]) =>
    text.split('\n').flatMap((line, index) => {
      const mark = /\/\/ ✗ (.+)$/.exec(line);
      return mark ? [{ file: join(root, path), line: index + 1, message: mark[1]! }] : [];
    }),
  );
}

function expectOnlyMarkedProblems(root: string, files: Record<string, string>, problems: Problem[]): void {
  const shown = (list: Problem[]) => list.map((problem) => `${relative(root, problem.file)}:${problem.line} ${problem.message}`);
  const expected = expectedProblems(root, files);
  for (const mark of expected) {
    const found = problems.filter((problem) => problem.file === mark.file && problem.line === mark.line);
    expect(shown(found), `${relative(root, mark.file)}:${mark.line} should fail with ${mark.message}`).toContainEqual(expect.stringMatching(mark.message));
  }
  const unexpected = problems.filter((problem) => !expected.some((mark) => mark.file === problem.file && mark.line === problem.line));
  expect(shown(unexpected)).toEqual([]);
}

/** The README's own `vite.config.ts` and `meshy.config.ts` examples, as written there. */
function readmeExample(file: string): string {
  const readme = readFileSync(join(repo, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!).find((code) => code.startsWith(`// ${file}\n`));
  if (!block) throw new Error(`the README has no ${file} example`);
  return block;
}

const SOURCES = {
  'src/main.ts': MAIN,
  'src/typos.ts': TYPOS,
  'meshy.config.ts': CONFIG,
  'vite.config.ts': VITE_CONFIG,
  'bad.config.ts': BAD_CONFIG,
  'readme/vite.config.ts': readmeExample('vite.config.ts'),
  'readme/meshy.config.ts': readmeExample('meshy.config.ts'),
};

describe('types/client.d.ts', () => {
  it('declares each import kind of the registry, with its meta type, and no wildcard that would hide a typo', async () => {
    const source = await readFile(join(repo, 'types/client.d.ts'), 'utf8');
    const declared = [...source.matchAll(/declare module '([^']+)' \{[\s\S]*?export const meta: import\('vite-plugin-meshy'\)\.(\w+);/g)].map((match) => [
      match[1],
      match[2],
    ]);
    expect(declared).toEqual(IMPORT_KINDS.map((kind) => [`meshy:${kind.name}?*`, kind.output === 'image' ? 'MeshyImageMeta' : 'MeshyModelMeta']));
    expect([...source.matchAll(/declare module '([^']+)'/g)].map((match) => match[1])).toEqual(IMPORT_KINDS.map((kind) => `meshy:${kind.name}?*`));
  });
});

describe("the package's types in a user's project", () => {
  beforeAll(() => ensureDistBuilt(), 180_000);

  it('one tsconfig.json with the client types: kinds and named models typecheck, typos do not', async () => {
    const files = {
      ...SOURCES,
      'tsconfig.json': JSON.stringify({
        compilerOptions: { ...COMPILER_OPTIONS, lib: ['ES2022', 'DOM'], types: ['node', 'vite/client', 'vite-plugin-meshy/client'] },
        include: ['src', '*.ts', 'readme', '.meshy/models.d.ts'],
      }),
    };
    const root = await userProject(files);
    const { problems, files: checked } = check(join(root, 'tsconfig.json'));
    expect(checked).toContain(join(root, '.meshy/models.d.ts'));
    expectOnlyMarkedProblems(root, files, problems);
  });

  it('a React + TypeScript layout: the root tsconfig only references tsconfig.app.json, which holds the types', async () => {
    const files = {
      ...SOURCES,
      // What `npm create vite -- --template react-ts` writes, with the README's two additions in tsconfig.app.json.
      'tsconfig.json': JSON.stringify({ files: [], references: [{ path: './tsconfig.app.json' }, { path: './tsconfig.node.json' }] }),
      'tsconfig.app.json': JSON.stringify({
        compilerOptions: { ...COMPILER_OPTIONS, lib: ['ES2022', 'DOM', 'DOM.Iterable'], jsx: 'react-jsx', types: ['vite/client', 'vite-plugin-meshy/client'] },
        include: ['src', '.meshy/models.d.ts'],
      }),
      'tsconfig.node.json': JSON.stringify({
        compilerOptions: { ...COMPILER_OPTIONS, lib: ['ES2023'], types: ['node'] },
        include: ['vite.config.ts', 'meshy.config.ts', 'bad.config.ts', 'readme'],
      }),
    };
    const root = await userProject(files);
    const { problems, files: checked } = check(join(root, 'tsconfig.json'));
    expect(checked).toEqual(expect.arrayContaining([join(root, 'src/main.ts'), join(root, '.meshy/models.d.ts'), join(root, 'meshy.config.ts')]));
    expectOnlyMarkedProblems(root, files, problems);
  });
});
