import { execFile } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
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

/** `vite-plugin-meshy <args>` with no project: its own output streams and exit code. */
async function bin(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
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
    // The config's emulator made it: its credits are labelled as such.
    expect(prefetch.out).toMatch(/1 model\(s\) used, 0 cached, 1 to generate \(~20 emulated credits\)[\s\S]*generated 1 of 1; 20 emulated credits spent/);
    expect(prefetch.out).toMatch(/about to generate 1 model with the local emulator: ~20 emulated credits \(balance: 10000 emulated credits\)/);

    const after = await cli(root, 'status');
    expect(after.out).toMatch(/cached {3}"a bin barrel" {2}meshy-7\.1, 20 emulated credits/);
    expect((await cli(root, 'balance')).out).toBe("10000 emulated credits (the local emulator's account, not your Meshy balance)\n");

    // A lost manifest: `repair` brings it back from the sidecars, and the model is cached again.
    await rm(join(root, '.meshy/manifest.json'));
    const repaired = await cli(root, 'repair');
    expect(repaired.code).toBe(0);
    expect(repaired.out).toMatch(
      /\.meshy\/manifest\.json was missing\nrestored {2}"a bin barrel"[\s\S]*wrote \.meshy\/manifest\.json: 1 entry \(1 restored\); nothing was paid for/,
    );
    expect((await cli(root, 'status')).out).toMatch(/cached {3}"a bin barrel"/);
  });

  it.skipIf(!!process.env.MESHY_API_KEY)('without a key, prefetch says once how to go on, before creating anything', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'vite.config.mjs': `import meshy from ${JSON.stringify(pathToFileURL(join(repo, 'dist/index.js')).href)};
export default { plugins: [meshy({ mode: 'generate' })] };`,
      'main.js': `import a from 'meshy:prompt?text=a keyless cli crate';\nimport b from 'meshy:prompt?text=a keyless cli lamp';`,
    });
    const { code, out } = await cli(root, 'prefetch');
    expect(code).toBe(1);
    expect(out.match(/MESHY_API_KEY is not set/g)).toHaveLength(1);
    expect(out).toMatch(/`emulator: true`[\s\S]*MESHY_DRY_RUN=1/);
    expect(out).not.toMatch(/\n\s+at /);
    expect(await readdir(join(root, '.meshy')).catch(() => [])).toEqual([]);
  });

  it('explains usage and a missing plugin', async () => {
    const root = await tempDir();
    await writeProject(root, { 'vite.config.mjs': 'export default {};' });
    // (A known command: an unknown one is a usage error before any config is read.)
    expect((await cli(root, 'status')).out).toMatch(/No meshy\(\) plugin in the Vite config/);
    const help = await run(process.execPath, [BIN, '--help']);
    expect(help.stdout).toMatch(/Usage: vite-plugin-meshy <command>[\s\S]*prefetch/);
    expect(help.stdout).toMatch(/^ {2}repair {18}rebuild a lost, unparsable or git-conflicted manifest\.json from the$/m);
    expect(help.stdout).toMatch(/regenerate <name\|id>[\s\S]*explicit way to pay again/);
  });

  it('prints its version and help, and rejects a command line it cannot run with exit code 2', async () => {
    const { version } = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(await bin('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await bin('help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: vite-plugin-meshy <command>/);
    expect((await bin('gc', '--help')).stdout).toMatch(/^Usage: vite-plugin-meshy gc \[--apply\] \[options\]/);
    for (const [args, message] of [
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['status', 'now'], 'status takes no arguments; unexpected "now"'],
      [['status', '--version2'], 'unknown option --version2'],
      [['status', '--apply'], 'status does not take --apply'],
      [[], 'no command given'],
    ] as const) {
      const result = await bin(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`vite-plugin-meshy: ${message}`);
      expect(result.stderr).toContain('Run `vite-plugin-meshy --help`');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('says when --root is not a folder, or holds no Vite config', async () => {
    const missing = join(await tempDir(), 'nonexistent');
    const result = await cli(missing, 'status');
    expect(result.code).toBe(1);
    expect(result.out).toBe(
      `vite-plugin-meshy: --root ${missing}: no such folder (${missing}). Pass the project's folder, the one that holds its Vite config.\n`,
    );
    const empty = await tempDir();
    expect((await cli(empty, 'status')).out).toMatch(/^vite-plugin-meshy: No Vite config file in \S+ \(vite\.config\.ts, \.js, \.mjs…\)/);
    expect((await cli(empty, 'status', '--config', 'nope.config.mjs')).out).toMatch(/--config: there is no Vite config file \S+nope\.config\.mjs/);
  });

  it('status --check gates CI: exit 1 until every model is cached; a meshy.config.ts model is credited to that file', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'vite.config.mjs': `import meshy from ${JSON.stringify(pathToFileURL(join(repo, 'dist/index.js')).href)};
export default { plugins: [meshy({ mode: 'generate', emulator: { taskDurationMs: 100, queueDelayMs: 10 } })] };`,
      'meshy.config.mjs': `export default { models: { crate: { prompt: 'a check crate', textured: false } } };`,
      'main.js': `import crate from 'meshy:crate';\nimport.meta.hot?.on('meshy:done', () => {});\nconsole.log(crate);`,
    });
    const plain = await cli(root, 'status');
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toMatch(/missing {2}"a check crate" {2}~20 credits to generate {2}\(main\.js:1, meshy\.config\.mjs \(models\.crate\)\)/);
    expect(plain.out).not.toMatch(/invalid/);
    const check = await cli(root, 'status', '--check');
    expect(check.code).toBe(1);
    expect(check.out).toMatch(/check failed: 1 model\(s\) not cached/);
    expect((await cli(root, 'prefetch')).code).toBe(0);
    expect((await cli(root, 'status', '--check')).code).toBe(0);
  });
});
