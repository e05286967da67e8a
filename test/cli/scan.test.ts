import { describe, expect, it } from 'vitest';
import { findMeshyImports } from '../../src/cli/scan.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

describe('findMeshyImports', () => {
  it('finds literals with quotes and escapes inside, as the strings they stand for', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import a from "meshy:prompt?text=the knight's sword";`,
        `import b from 'meshy:prompt?text=a \\'quoted\\' lamp';`,
        `import c from "meshy:prompt?text=a \\"big\\" \\u0041nvil\\x21";`,
        'const d = `meshy:prompt?text=a plain template`;',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a template literal in the scanned source
        'const e = `meshy:prompt?text=${"built at run time"}`;',
        `import f from "meshy:prompt?text=cost $5";`,
      ].join('\n'),
    });
    const found = await findMeshyImports(root);
    expect(found.map((item) => [item.id, item.line])).toEqual([
      ["meshy:prompt?text=the knight's sword", 1],
      ["meshy:prompt?text=a 'quoted' lamp", 2],
      ['meshy:prompt?text=a "big" Anvil!', 3],
      ['meshy:prompt?text=a plain template', 4],
      ['meshy:prompt?text=cost $5', 6],
    ]);
  });

  it('tells import specifiers from other literals', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.ts': [
        `import a, { meta } from 'meshy:prompt?text=a';`,
        `import 'meshy:prompt?text=b';`,
        `export { default as c } from 'meshy:prompt?text=c';`,
        `const d = () => import( 'meshy:prompt?text=d');`,
        `import.meta.hot?.on('meshy:done', () => {});`,
        `const models = ['meshy:prompt?text=e'];`,
        `const from = 'x'; console.log(from, 'meshy:progress');`,
        `const f = (name) => import('meshy:prompt?text=' + name);`,
        `const g = () => import('meshy:prompt?text=g', { with: {} });`,
        `// import h from 'meshy:prompt?text=h';`,
        `/* import i from 'meshy:prompt?text=i'; */ const url = 'https://a.example'; // 'meshy:prompt?text=j'`,
      ].join('\n'),
    });
    const found = await findMeshyImports(root);
    expect(found.map((item) => `${item.id} ${item.specifier}`)).toEqual([
      'meshy:prompt?text=a true',
      'meshy:prompt?text=b true',
      'meshy:prompt?text=c true',
      'meshy:prompt?text=d true',
      'meshy:done false',
      'meshy:prompt?text=e false',
      'meshy:progress false',
      'meshy:prompt?text= false',
      'meshy:prompt?text=g true',
      'meshy:prompt?text=h false',
      'meshy:prompt?text=i false',
      'meshy:prompt?text=j false',
    ]);
  });

  it('skips dependencies, build output, hidden folders and the folders it is told to', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': `import a from 'meshy:prompt?text=a';`,
      'node_modules/dep/index.js': `import a from 'meshy:prompt?text=dep';`,
      'dist/assets/main.js': `import a from 'meshy:prompt?text=built';`,
      '.meshy/x.js': `import a from 'meshy:prompt?text=hidden';`,
      'public/vendor.js': `import a from 'meshy:prompt?text=public';`,
      'out/main.js': `import a from 'meshy:prompt?text=out';`,
    });
    expect((await findMeshyImports(root, ['public', 'out'])).map((item) => item.file)).toEqual(['main.js']);
  });
});
