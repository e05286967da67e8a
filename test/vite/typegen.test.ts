import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { modelTypesSource, writeModelTypes } from '../../src/vite/typegen.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();
const repo = resolve(import.meta.dirname, '../..');
const models = {
  knight: { prompt: 'a knight */ in weathered plate armour', target_polycount: 8000 },
  barrel: { prompt: 'an oak barrel', textured: false },
  'ruined-tower': { kind: 'image', src: './tower.png', animation: ['walk', 'idle'] },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('generated types of named models', () => {
  it('writes models.d.ts only when it changes, and removes it when no named models are left', async () => {
    const dir = join(await tempDir(), '.meshy');
    const file = join(dir, 'models.d.ts');
    expect(await writeModelTypes(dir, {})).toBe('none');
    await expect(stat(file)).rejects.toThrow();

    expect(await writeModelTypes(dir, models, join(dir, 'tmp'))).toBe('written');
    const source = await readFile(file, 'utf8');
    expect(source).toBe(modelTypesSource(models));
    expect(source).toContain('export type MeshyModelName = "barrel" | "knight" | "ruined-tower";');
    expect(source).toContain('a knight *\\/ in weathered'); // a prompt cannot end the doc comment
    expect(modelTypesSource({ sky: { kind: 'text-to-image', prompt: 'a sky' } })).toMatch(/declare module "meshy:sky" \{[\s\S]*MeshyImageMeta;/);
    const { mtimeMs } = await stat(file);

    await sleep(20);
    expect(await writeModelTypes(dir, { ...models }, join(dir, 'tmp'))).toBe('unchanged');
    expect((await stat(file)).mtimeMs).toBe(mtimeMs);

    expect(await writeModelTypes(dir, { knight: models.knight }, join(dir, 'tmp'))).toBe('written');
    expect(await readFile(file, 'utf8')).toContain('export type MeshyModelName = "knight";');

    expect(await writeModelTypes(dir, {})).toBe('removed');
    await expect(stat(file)).rejects.toThrow();
    // A file the plugin did not write is not its to remove.
    await writeFile(file, 'declare const mine: 1;\n');
    expect(await writeModelTypes(dir, {})).toBe('none');
    expect(await readFile(file, 'utf8')).toBe('declare const mine: 1;\n');
  });

  it('exports MeshyModelMeta from the package, as the generated file expects', async () => {
    const entry = await readFile(join(repo, 'src/index.ts'), 'utf8');
    expect(entry).toMatch(/export type \{[^}]*\bMeshyModelMeta\b[^}]*\} from/);
    expect(entry).toMatch(/export type \{[^}]*\bMeshyImageMeta\b[^}]*\} from/);
  });

  it('typechecks `import knight from "meshy:knight"` against the generated file', async () => {
    const root = await tempDir();
    const dir = join(root, '.meshy');
    await writeModelTypes(dir, models);
    const main = join(root, 'main.ts');
    await writeFile(
      main,
      [
        `import knight, { meta } from 'meshy:knight';`,
        `import tower from 'meshy:ruined-tower';`,
        `import type { MeshyModelName } from 'vite-plugin-meshy/models';`,
        `const url: string = knight;`,
        `const triangles: number = meta.triangles;`,
        `const names: MeshyModelName[] = ['knight', 'barrel', 'ruined-tower'];`,
        `// @ts-expect-error not a named model`,
        `const wrong: MeshyModelName = 'dragon';`,
        `// @ts-expect-error meta is typed`,
        `const bad: string = meta.triangles;`,
        `export { url, triangles, names, wrong, bad, tower };`,
      ].join('\n'),
    );
    // Only the generated file: named models resolve, other names do not.
    const strict = join(root, 'strict.ts');
    await writeFile(strict, `import knight from 'meshy:knight';\nimport dragon from 'meshy:dragon';\nexport { knight, dragon };\n`);

    // The package as installed, for `import('vite-plugin-meshy').MeshyModelMeta`: its real exports map
    // (which has no `./models`), with a small stand-in for its declarations (the real ones take seconds to load).
    const manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    await mkdir(join(root, 'node_modules/vite-plugin-meshy/dist'), { recursive: true });
    await writeFile(
      join(root, 'node_modules/vite-plugin-meshy/package.json'),
      JSON.stringify({ name: 'vite-plugin-meshy', type: 'module', exports: manifest.exports }),
    );
    await writeFile(join(root, 'node_modules/vite-plugin-meshy/dist/index.d.ts'), 'export interface MeshyModelMeta { triangles: number; status: string }\n');

    const program = ts.createProgram({
      rootNames: [main, strict, join(dir, 'models.d.ts')],
      options: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        types: [],
        lib: ['lib.es2022.d.ts'],
      },
    });
    const messages = (file: string) =>
      [...program.getSyntacticDiagnostics(program.getSourceFile(file)), ...program.getSemanticDiagnostics(program.getSourceFile(file))].map((diagnostic) =>
        ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
      );
    expect(messages(main)).toEqual([]);
    expect(messages(join(dir, 'models.d.ts'))).toEqual([]);
    expect(messages(strict)).toEqual([expect.stringMatching(/Cannot find module 'meshy:dragon'/)]);

    // With the client types too (one declaration per kind), the named declarations still apply.
    const withClient = ts.createProgram({
      rootNames: [main, join(dir, 'models.d.ts'), join(repo, 'types/client.d.ts')],
      options: program.getCompilerOptions(),
      oldProgram: program,
    });
    const diagnostics = [...withClient.getSemanticDiagnostics(withClient.getSourceFile(main))];
    expect(diagnostics.map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))).toEqual([]);
  });
});
