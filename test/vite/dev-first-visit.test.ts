import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, type HotPayload, type ViteDevServer } from 'vite';
import { afterEach, describe, expect, it } from 'vitest';
import meshy, { type MeshyPluginOptions } from '../../src/index.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { isEvent, startDevServer } from './dev-helpers.js';

const tempDir = useTempDirs();
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The package as an app has it installed: `vite-plugin-meshy/client` in node_modules (its real source). */
async function installClient(root: string): Promise<void> {
  const dir = join(root, 'node_modules/vite-plugin-meshy');
  await mkdir(join(dir, 'client'), { recursive: true });
  await copyFile(join(import.meta.dirname, '../../src/client/index.ts'), join(dir, 'client/index.ts'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'vite-plugin-meshy',
      version: '0.0.0',
      type: 'module',
      exports: { './client': './client/index.ts', './package.json': './package.json' },
    }),
  );
}

/** A dev server with Vite's dependency optimizer as an app has it (discovery on), recording logs and HMR messages. */
async function devServer(root: string, options: MeshyPluginOptions) {
  const logs: string[] = [];
  const keep = (line: string) => void logs.push(line);
  const server: ViteDevServer = await createServer({
    root,
    configFile: false,
    cacheDir: join(root, 'node_modules/.vite'),
    customLogger: { info: keep, warn: keep, warnOnce: keep, error: keep, clearScreen: () => {}, hasErrorLogged: () => false, hasWarned: false },
    plugins: [meshy(options)],
    server: { host: '127.0.0.1', port: 0 },
  });
  const messages: HotPayload[] = [];
  const hot = server.environments.client.hot;
  const send = hot.send.bind(hot) as (...args: unknown[]) => void;
  hot.send = ((...args: unknown[]) => {
    messages.push(typeof args[0] === 'string' ? { type: 'custom', event: args[0], data: args[1] } : (args[0] as HotPayload));
    send(...args);
  }) as typeof hot.send;
  await server.listen();
  servers.push(server);
  const url = server.resolvedUrls!.local[0]!;
  const get = async (path: string) => {
    const response = await fetch(new URL(path, url));
    return { status: response.status, body: await response.text() };
  };
  return { server, logs, messages, get };
}

describe('the first page visit', () => {
  it('gets the client helper pre-bundled: no late discovery, no reload, even when an import elsewhere does not parse', async () => {
    const root = await tempDir();
    await installClient(root);
    await writeProject(root, {
      'main.js': `import crate, { meta } from 'meshy:prompt?text=a first visit crate';\nimport { onModelUpdate } from 'vite-plugin-meshy/client';\nonModelUpdate(meta, () => {});\nconsole.log(crate);\nif (location.hash === '#later') import('./later.js');`,
      // A typo in a file the page does not load yet: the dependency scan must not fail on it.
      'later.js': `import barrel from 'meshy:barel';\nexport default barrel;`,
    });
    const dev = await devServer(root, { mode: 'offline', storeDir: join(root, '.meshy') });
    expect(dev.server.config.optimizeDeps.include).toContain('vite-plugin-meshy/client');

    // The page and everything it imports, as a browser would fetch them.
    expect((await dev.get('/')).status).toBe(200);
    const main = await dev.get('/main.js');
    const [clientUrl] = main.body.match(/\/node_modules\/\.vite\/deps\/vite-plugin-meshy_client\.js\?v=\w+/) ?? [];
    expect(clientUrl).toBeDefined();
    const imports = [...main.body.matchAll(/from "(\/[^"]+)"/g)].map((match) => match[1]!);
    for (const path of imports) expect((await dev.get(path)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const log = dev.logs.join('\n');
    expect(log).not.toMatch(/Failed to run dependency scan|new dependencies optimized|optimized dependencies changed/);
    expect(dev.messages.some((message) => message.type === 'full-reload')).toBe(false);
  });

  it('is not asked to pre-bundle a client helper the project does not have installed', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `console.log(1);` });
    const dev = await devServer(root, { mode: 'offline', storeDir: join(root, '.meshy') });
    expect(dev.server.config.optimizeDeps.include ?? []).not.toContain('vite-plugin-meshy/client');
    expect(dev.logs.join('\n')).not.toMatch(/Failed to resolve dependency/);
  });
});

describe.skipIf(!!process.env.MESHY_API_KEY)('a dev server without an API key (emulator: auto)', () => {
  it('uses the emulator with one label in the terminal and one in the overlay; its credits are labelled emulated', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `import lamp from 'meshy:prompt?text=an emulated lamp&textured=false';\nconsole.log(lamp);` });
    const dev = await startDevServer(root, { mode: 'generate', storeDir: join(root, '.meshy'), optimize: false });
    servers.push(dev);
    expect(dev.logs.filter((line) => line.includes('emulator'))).toEqual([expect.stringMatching(/emulator: no MESHY_API_KEY .*stand-ins, not Meshy's/)]);
    const overlay = await (await fetch(new URL('/@id/__x00__meshy-overlay', dev.url))).text();
    expect(overlay).toContain('const emulated = true;');

    const main = await (await fetch(new URL('/main.js', dev.url))).text();
    const [path] = [...main.matchAll(/from "(\/[^"]*meshy:prompt[^"]*)"/g)].map((match) => match[1]!);
    const served = await (await fetch(new URL(path!, dev.url))).text();
    const key = /"key":"(\w+)"/.exec(served)![1]!;
    await dev.waitFor(isEvent('meshy:done', key));
    const log = dev.logs.join('\n');
    expect(log).toMatch(/about to generate 1 model with the local emulator: ~20 emulated credits \(balance: 10000 emulated credits\)/);
    expect(log).toMatch(/"an emulated lamp" is not cached: serving a placeholder while the emulator generates it/);
    expect(log).toMatch(/"an emulated lamp" done: .* from the emulator, .*, 20 emulated credits/);
  });

  it("a key in the project's .env file counts: the real API, no emulator (the config runs before Vite reads .env)", async () => {
    const root = await tempDir();
    await writeProject(root, { '.env': 'MESHY_API_KEY=msy_from_dot_env_0001\n', 'main.js': `console.log(1);` });
    const dev = await startDevServer(root, { mode: 'generate', storeDir: join(root, '.meshy') });
    servers.push(dev);
    const plugin = dev.server.config.plugins.find((candidate) => candidate.name === 'vite-plugin-meshy') as unknown as {
      api: { project(): Promise<{ settings: { backend: string } }> };
    };
    expect((await plugin.api.project()).settings.backend).toBe('meshy');
    expect(dev.logs.join('\n')).not.toContain('emulator');
  });

  it('with a key, the same server has no label and an unlabelled overlay', async () => {
    const root = await tempDir();
    await writeProject(root, { 'main.js': `console.log(1);` });
    const dev = await startDevServer(root, { mode: 'generate', apiKey: 'msy_some_key_0001', storeDir: join(root, '.meshy') });
    servers.push(dev);
    expect(dev.logs.join('\n')).not.toContain('emulator');
    expect(await (await fetch(new URL('/@id/__x00__meshy-overlay', dev.url))).text()).toContain('const emulated = false;');
  });
});
