import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { balance, gc, prefetch, regenerate, repair, status } from '../../src/cli/commands.js';
import { findMeshyImports } from '../../src/cli/scan.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { createProject, type MeshyProject } from '../../src/project/index.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const API_KEY = 'msy_cli_test_key_0001';
const tempDir = useTempDirs();
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 200, queueDelayMs: 10 });
});
afterAll(() => emulator.close());

/** The project as the plugin would make it, without Vite: the core's createProject. */
function project(
  root: string,
  { cacheNamespace = 'emulator', namedModelOrigins }: { cacheNamespace?: string; namedModelOrigins?: Map<string, string> } = {},
): MeshyProject {
  return createProject(
    {
      mode: 'generate',
      apiKey: API_KEY,
      apiBase: emulator.url,
      cacheNamespace,
      optimize: false,
      concurrency: 4,
      models: { barrel: { prompt: 'a cli barrel', textured: false } },
    },
    { root, env: {}, ci: false, logSink: { info() {}, warn() {}, error() {} }, ...(namedModelOrigins ? { namedModelOrigins } : {}) },
  );
}

async function cliProject() {
  const root = await tempDir();
  await writeProject(root, {
    'main.js': `import a from 'meshy:prompt?text=a cli crate&textured=false';\nimport b from "meshy:barrel";\nconst lazy = () => import('meshy:prompt?textured=false&text=a cli crate');`,
    'src/broken.ts': `import x from 'meshy:prompt?text=oops&target_polycont=5';`,
  });
  return root;
}

describe('the CLI', () => {
  it('finds meshy: imports in sources, with their lines', async () => {
    const root = await cliProject();
    const found = await findMeshyImports(root);
    expect(found.map((f) => `${f.file}:${f.line}`)).toEqual(['main.js:1', 'main.js:2', 'main.js:3', 'src/broken.ts:1']);
  });

  it('status, then prefetch, then status again; gc and balance', async () => {
    const root = await cliProject();
    const p = project(root);
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);

    expect(await status(p, print)).toBe(1); // the broken import
    expect(lines.join('\n')).toMatch(/missing {2}"a cli crate" {2}~20 credits[\s\S]*main\.js:1, main\.js:3/);
    expect(lines.join('\n')).toMatch(
      /invalid {2}src\/broken\.ts:1 {2}meshy:prompt\?text=oops&target_polycont=5: target_polycont: unknown option \(did you mean "target_polycount"\?\)/,
    );
    expect(lines.at(-1)).toMatch(/2 model\(s\): 0 cached .* 2 missing \(~40 credits\), 1 invalid/);

    lines.length = 0;
    const before = emulator.stats().tasksCreated;
    await prefetch(p, print, { concurrency: 2 });
    expect(emulator.stats().tasksCreated - before).toBe(2);
    expect(lines[0]).toBe('2 model(s) used, 0 cached, 2 to generate (~40 credits)');
    expect(lines.join('\n')).toMatch(/generated 2 of 2; 40 credits spent/);

    lines.length = 0;
    await status(p, print);
    expect(lines.at(-1)).toMatch(/2 cached \(40 credits paid\), 0 pending, 0 failed, 0 missing/);

    // A second prefetch has nothing to do and creates nothing.
    lines.length = 0;
    await prefetch(p, print);
    expect(emulator.stats().tasksCreated - before).toBe(2);
    expect(lines[0]).toMatch(/2 cached, 0 to generate/);

    lines.length = 0;
    await balance(p, print);
    expect(lines[0]).toMatch(/^\d+ credits$/);
    await p.close();
  });

  it('regenerate replaces a model with a new roll; gc lists and removes what nothing uses', async () => {
    const root = await cliProject();
    const p = project(root);
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);
    await prefetch(p, () => {});
    await regenerate(p, print, 'barrel');
    const [, newTask, oldTask] =
      /regenerated "a cli barrel": tasks (\S+), 20 credits \(replacing tasks (\S+); its raw file stays until `gc`\)/.exec(lines.join('\n')) ?? [];
    expect(newTask).toBeTruthy();
    expect(newTask).not.toBe(oldTask);
    // (The emulator seeds its models by request, so the new roll may be byte-identical to the old.)
    const rawBefore = (await readdir(join(root, '.meshy/raw'))).length;
    expect(rawBefore).toBeGreaterThanOrEqual(2);

    // Remove the crate import from the sources: its model, and the barrel's old roll, are garbage.
    await writeProject(root, { 'main.js': `import b from 'meshy:barrel';` });
    lines.length = 0;
    await gc(p, print);
    expect(lines.join('\n')).toMatch(/unused {3}"a cli crate"[\s\S]*1 unused model\(s\), \d raw file\(s\).*nothing removed \(dry run/);
    expect(await readdir(join(root, '.meshy/raw'))).toHaveLength(rawBefore);
    await expect(gc(p, () => {}, { apply: true })).resolves.toBe(1); // src/broken.ts is still there
    await writeProject(root, { 'src/broken.ts': `export {};` });
    await gc(p, () => {}, { apply: true });
    const rawAfter = await readdir(join(root, '.meshy/raw'));
    expect(rawAfter.filter((name) => !name.endsWith('.json'))).toHaveLength(1);
    // The kept model's sidecar stays beside it; the others went with their raw files.
    expect(rawAfter.filter((name) => name.endsWith('.json'))).toEqual([rawAfter.find((name) => name.endsWith('.glb'))!.replace('.glb', '.json')]);
    lines.length = 0;
    await status(p, print);
    expect(lines.at(-1)).toMatch(/1 model\(s\): 1 cached/);
    await p.close();
  });

  it('resolves file inputs against their importer, keeps generated inputs, and collects unused images', async () => {
    const root = await tempDir();
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#4a7' } })
      .png()
      .toBuffer();
    await writeProject(root, {
      'src/art/statue.png': '',
      'src/scene.js': `import s from 'meshy:image?src=./art/statue.png&should_texture=false';\nimport t from 'meshy:image?src=meshy:text-to-image?text=a cli statue&should_texture=false';`,
    });
    await writeFile(join(root, 'src/art/statue.png'), png);
    const p = project(root);
    const lines: string[] = [];
    const before = emulator.stats().tasksCreated;
    await prefetch(p, (line) => lines.push(line));
    // Two image-to-3D tasks, the text-to-image task the second one takes as its input, and the named barrel.
    expect(lines[0]).toBe('4 model(s) used, 0 cached, 4 to generate (~63 credits)');
    expect(lines[2]).toBe('  - "image meshy:text-to-image?text=a cli statue" ~20 credits (missing)');
    expect(emulator.stats().tasksCreated - before).toBe(4);
    expect((await readdir(join(root, '.meshy/raw'))).filter((name) => name.endsWith('.png'))).toHaveLength(1);

    // The generated input counts as used while the model made from it is.
    lines.length = 0;
    await gc(p, (line) => lines.push(line));
    expect(lines.at(-1)).toMatch(/^0 unused model/);
    await writeProject(root, { 'src/scene.js': `import s from 'meshy:image?src=./art/statue.png&should_texture=false';` });
    await gc(p, () => {}, { apply: true });
    expect((await readdir(join(root, '.meshy/raw'))).filter((name) => name.endsWith('.png'))).toHaveLength(0);
    expect((await readdir(join(root, '.meshy/optimized'))).filter((name) => name.endsWith('.png'))).toHaveLength(0);
    await p.close();
  });

  it('repair rebuilds a git-conflicted manifest from the sidecars, and nothing is paid for again', async () => {
    const root = await cliProject();
    await writeProject(root, { 'src/broken.ts': 'export {};' });
    const p = project(root);
    await prefetch(p, () => {});
    const manifestPath = join(root, '.meshy/manifest.json');
    const intact = await readFile(manifestPath, 'utf8');
    // A merge left both sides in the file, and lost one of the two entries.
    const lines = intact.split('\n');
    const secondEntry = lines.findIndex((line, i) => i > 3 && /^ {4}"[0-9a-f]{64}": \{$/.test(line));
    const ours = [...lines.slice(2, secondEntry - 1), '    }'];
    await writeFile(manifestPath, [...lines.slice(0, 2), '<<<<<<< HEAD', ...ours, '=======', '>>>>>>> theirs', '  }', '}', ''].join('\n'));
    await expect(status(p, () => {})).rejects.toThrow(/git conflict markers.*npx vite-plugin-meshy repair/s);

    const printed: string[] = [];
    const before = emulator.stats().tasksCreated;
    expect(await repair(p, (line) => printed.push(line))).toBe(0);
    const report = printed.join('\n');
    expect(report).toMatch(/^\.meshy\/manifest\.json had git conflict markers: both sides were read$/m);
    expect(report).toMatch(/^kept {6}1 intact entry$/m);
    expect(report).toMatch(/^restored {2}"a cli (crate|barrel)" {2}meshy-7\.1, 20 credits, tasks \S+ {2}\(from its sidecar\)$/m);
    expect(report).toMatch(
      /wrote \.meshy\/manifest\.json: 2 entries \(1 restored\); nothing was paid for; the broken file is kept as \.meshy\/manifest\.broken-.*\.json/,
    );
    expect(JSON.parse(await readFile(manifestPath, 'utf8'))).toEqual(JSON.parse(intact));

    printed.length = 0;
    await status(p, (line) => printed.push(line));
    expect(printed.at(-1)).toMatch(/2 model\(s\): 2 cached \(40 credits paid\)/);
    expect(emulator.stats().tasksCreated).toBe(before);
    printed.length = 0;
    expect(await repair(p, (line) => printed.push(line))).toBe(0);
    expect(printed).toEqual(['.meshy/manifest.json is intact', 'kept      2 intact entries', 'nothing to restore: 2 entries']);
    await p.close();
  });

  it('status and prefetch report a paid model whose raw file is damaged, and prefetch does not generate it', async () => {
    const root = await cliProject();
    await writeProject(root, { 'src/broken.ts': 'export {};' });
    const p = project(root);
    await prefetch(p, () => {});
    const raw = join(root, '.meshy/raw');
    const [first] = (await readdir(raw)).filter((name) => name.endsWith('.glb'));
    await writeFile(join(raw, first!), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 9\n');
    const printed: string[] = [];
    expect(await status(p, (line) => printed.push(line))).toBe(1);
    expect(printed.join('\n')).toMatch(
      /^damaged {2}"a cli (crate|barrel)" {2}paid \(20 credits, tasks \S+\), but its raw file \S+ cannot be used: this is a Git LFS pointer: run git lfs pull\. Not generated again: bring the file back, or pay for a new roll with `regenerate`/m,
    );
    expect(printed.at(-1)).toMatch(/2 model\(s\): 1 cached \(20 credits paid\), 0 pending, 0 failed, 0 missing \(~0 credits\), 1 damaged$/);

    printed.length = 0;
    const before = emulator.stats().tasksCreated;
    expect(await prefetch(p, (line) => printed.push(line))).toBe(1);
    expect(printed[0]).toBe('2 model(s) used, 1 cached, 0 to generate (~0 credits), 1 damaged (not generated again)');
    expect(emulator.stats().tasksCreated).toBe(before);
    await rm(join(raw, first!));
    await p.close();
  });

  it('prefetch says what the rig’s free walk/run clips save: in its dry run, its summary and its cost line', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import scout from 'meshy:prompt?text=a cli scout, t-pose&animation=walk,run';\nconsole.log(scout);` });
    const p = project(root);
    const lines: string[] = [];
    const before = emulator.stats().tasksCreated;
    expect(await prefetch(p, (line) => lines.push(line), { dryRun: true })).toBe(0);
    expect(emulator.stats().tasksCreated).toBe(before);
    expect(lines).toEqual([
      "2 model(s) used, 0 cached, 2 to generate (~55 credits; the rig's free walk/run clips save 6 credits)",
      '  - "a cli scout, t-pose" ~35 credits; the rig\'s free walk/run clips save 6 credits (missing)',
      '  - "a cli barrel" ~20 credits (missing)',
    ]);

    lines.length = 0;
    expect(await prefetch(p, (line) => lines.push(line))).toBe(0);
    const printed = lines.join('\n');
    expect(printed).toMatch(/about to generate 2 models with Meshy: ~55 credits.*; the rig's free walk\/run clips save 6 credits/);
    expect(lines.at(-1)).toBe("generated 2 of 2; 55 credits spent; the rig's free walk/run clips save 6 credits");
    await p.close();
  });

  it('status and prefetch name a model of a retired ai_model that is not stored, and prefetch does not try to generate it', async () => {
    // A month after meshy-5's retirement, whatever day the test runs on.
    vi.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-11-10T00:00:00Z'));
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import relic from 'meshy:prompt?text=a cli relic&ai_model=meshy-5';\nconsole.log(relic);` });
    const p = project(root);
    const lines: string[] = [];
    expect(await status(p, (line) => lines.push(line))).toBe(1);
    const retiredLine =
      'retired  "a cli relic"  meshy-5 was retired by Meshy on 2026-10-10 (its requests are refused); use meshy-6-lite (the same 5-credit previews) or latest (Meshy 7.1): not in the cache, so it cannot be generated';
    expect(lines).toContain(`${retiredLine}  (main.js:1)`);
    expect(lines.at(-1)).toMatch(/2 model\(s\): 0 cached .* 1 missing \(~20 credits\), 1 of a retired ai_model \(cannot be generated\)$/);

    lines.length = 0;
    const before = emulator.stats().requests;
    expect(await prefetch(p, (line) => lines.push(line), { dryRun: true })).toBe(1);
    expect(lines).toEqual([
      '2 model(s) used, 0 cached, 1 to generate (~20 credits), 1 of a retired ai_model (cannot be generated)',
      '  - "a cli barrel" ~20 credits (missing)',
      retiredLine,
    ]);
    expect(emulator.stats().requests).toBe(before);
    vi.restoreAllMocks();
    await p.close();
  });

  it('status --check fails unless every model is cached; plain status fails only for what a person must fix', async () => {
    const root = await cliProject();
    await writeProject(root, { 'src/broken.ts': 'export {};' });
    const p = project(root);
    const lines: string[] = [];
    const print = (line: string) => lines.push(line);
    expect(await status(p, print)).toBe(0);
    expect(lines.at(-1)).toMatch(/2 missing/);
    lines.length = 0;
    expect(await status(p, print, { check: true })).toBe(1);
    expect(lines.at(-1)).toBe('check failed: 2 model(s) not cached; generate them with `npx vite-plugin-meshy prefetch` and commit the store');

    await prefetch(p, () => {});
    lines.length = 0;
    expect(await status(p, print, { check: true })).toBe(0);
    expect(lines.at(-1)).toMatch(/^2 model\(s\): 2 cached/);
    await p.close();
  });

  it('status counts literals that are not imports only when they parse, and credits a named model to its config file', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'main.js': [
        `import b from 'meshy:barrel';`,
        `import.meta.hot?.on('meshy:progress', () => {});`,
        `const kinds = { prompt: 'meshy:prompt' };`,
        `const later = 'meshy:prompt?text=a later lamp&textured=false';`,
        `import bad from 'meshy:prompt?text=a lamp&target_polycont=5';`,
      ].join('\n'),
    });
    const p = project(root, { namedModelOrigins: new Map([['barrel', 'meshy.config.ts']]) });
    const lines: string[] = [];
    expect(await status(p, (line) => lines.push(line))).toBe(1);
    const report = lines.join('\n');
    expect(report).toMatch(/missing {2}"a cli barrel" {2}~20 credits to generate {2}\(main\.js:1, meshy\.config\.ts \(models\.barrel\)\)/);
    expect(report).toMatch(/missing {2}"a later lamp" {2}~20 credits to generate {2}\(main\.js:4\)/);
    expect(report).toMatch(/^invalid {2}main\.js:5 {2}meshy:prompt\?text=a lamp&target_polycont=5: target_polycont: unknown option/m);
    expect(report).not.toMatch(/meshy:progress|main\.js:[23]/);
    expect(lines.at(-1)).toMatch(/^2 model\(s\): .*, 1 invalid import\(s\)$/);
    await p.close();
  });

  it('gc never lists a model a source imports, whichever backend made it', async () => {
    const root = await cliProject();
    await writeProject(root, {
      'src/broken.ts': 'export {};',
      'src/failing.ts': `import f from 'meshy:prompt?text=a failing crate [emulator:fail]&textured=false';`,
    });
    // Made with the emulator: two models paid for, one task FAILED (journaled).
    const withEmulator = project(root);
    expect(await prefetch(withEmulator, () => {})).toBe(1);
    await withEmulator.close();

    // The same sources seen from another backend: its keys differ, but these models are in use.
    const withMeshy = project(root, { cacheNamespace: 'meshy' });
    const lines: string[] = [];
    expect(await gc(withMeshy, (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual([
      '0 unused model(s), 0 raw file(s) (0 B), 0 optimized file(s), 0 journal entr(ies): nothing removed (dry run; pass --apply to remove)',
    ]);

    // Once no source imports them, they are garbage for any backend.
    await writeProject(root, { 'main.js': 'export {};', 'src/failing.ts': 'export {};' });
    lines.length = 0;
    await gc(withMeshy, (line) => lines.push(line));
    expect(lines.join('\n')).toMatch(/unused {3}"a failing crate \[emulator:fail\]" {2}\(unfinished or failed tasks\)/);
    expect(lines.at(-1)).toMatch(/^1 unused model\(s\), 1 raw file\(s\)/); // the crate (the barrel is a named model: always in use)
    await withMeshy.close();
  });

  it('prefetch prints one progress format: lines without a terminal (as a build log), the bar alone on one', async () => {
    const root = await cliProject();
    await writeProject(root, { 'src/broken.ts': 'export {};' });
    const p = project(root);
    const lines: string[] = [];
    expect(await prefetch(p, (line) => lines.push(line), { interactive: false })).toBe(0);
    const progress = lines.filter((line) => /\d+%/.test(line));
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line).toMatch(/^"a cli (crate|barrel)" \w+ \d+% \(\d+s\)$/);

    // On a terminal the bar (written in place) is the progress: no progress lines besides it.
    await writeProject(root, { 'main.js': `import a from 'meshy:prompt?text=a cli lantern&textured=false';` });
    lines.length = 0;
    const drawn: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => drawn.push(String(chunk)) > 0);
    try {
      expect(await prefetch(p, (line) => lines.push(line), { interactive: true })).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(drawn.join('')).toMatch(/\[[#.]{24}\] 0\/1/);
    expect(lines.filter((line) => /\d+%/.test(line))).toEqual([]);
    expect(lines.at(-1)).toBe('generated 1 of 1; 20 credits spent');
    await p.close();
  });
});
