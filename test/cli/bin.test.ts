import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from '../helpers/dist.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';

const run = promisify(execFile);
const repo = join(import.meta.dirname, '../..');
const BIN = join(repo, 'dist/cli/bin.js');
const tempDir = useTempDirs();

beforeAll(() => ensureDistBuilt(), 120_000);

/** `vite-plugin-meshy <args>` in a project whose vite.config uses the plugin with the bundled emulator. */
async function cli(root: string, ...args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--root', root], { env: { ...process.env, CI: '' } });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout + failed.stderr };
  }
}

describe('the vite-plugin-meshy command', () => {
  it('reads the project through its Vite config: status, prefetch, status', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'vite.config.mjs': `import meshy from ${JSON.stringify(pathToFileURL(join(repo, 'dist/index.js')).href)};
export default { plugins: [meshy({ mode: 'generate', emulator: { taskDurationMs: 150, queueDelayMs: 10 }, models: { barrel: { prompt: 'a bin barrel', textured: false } } })] };`,
      'main.js': `import barrel from 'meshy:barrel';\nconsole.log(barrel);`,
    });
    const before = await cli(root, 'status');
    expect(before.out).toMatch(/missing {2}"a bin barrel" {2}~20 credits to generate {2}\(main\.js:1, meshy\(\{ models \}\)\)/);

    const prefetch = await cli(root, 'prefetch');
    expect(prefetch.code, prefetch.out).toBe(0);
    expect(prefetch.out).toMatch(/1 model\(s\) used, 0 cached, 1 to generate \(~20 credits\)[\s\S]*generated 1 of 1; 20 credits spent/);

    const after = await cli(root, 'status');
    expect(after.out).toMatch(/cached {3}"a bin barrel" {2}meshy-7\.1, 20 credits/);

    // A lost manifest: `repair` brings it back from the sidecars, and the model is cached again.
    await rm(join(root, '.meshy/manifest.json'));
    const repaired = await cli(root, 'repair');
    expect(repaired.code).toBe(0);
    expect(repaired.out).toMatch(
      /\.meshy\/manifest\.json was missing\nrestored {2}"a bin barrel"[\s\S]*wrote \.meshy\/manifest\.json: 1 entry \(1 restored\); nothing was paid for/,
    );
    expect((await cli(root, 'status')).out).toMatch(/cached {3}"a bin barrel"/);
  });

  it('explains usage and a missing plugin', async () => {
    const root = await tempDir();
    await writeProject(root, { 'vite.config.mjs': 'export default {};' });
    expect((await cli(root, 'frobnicate')).out).toMatch(/No meshy\(\) plugin in the Vite config/);
    const help = await run(process.execPath, [BIN, '--help']);
    expect(help.stdout).toMatch(/Usage: vite-plugin-meshy <command>[\s\S]*prefetch/);
    expect(help.stdout).toMatch(/^ {2}repair {18}rebuild a lost, unparsable or git-conflicted manifest\.json from the$/m);
    expect(help.stdout).toMatch(/regenerate <name\|id>[\s\S]*explicit way to pay again/);
  });
});
