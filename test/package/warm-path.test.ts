import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from '../helpers/dist.js';

const repo = join(import.meta.dirname, '../..');
const viteCli = join(repo, 'node_modules/vite/bin/vite.js');
const run = promisify(execFile);

/** What a cache hit must not load: the optimizer, the Meshy client, the emulator, and the plugin's heavy half (zod, kinds, store, pipeline). */
const HEAVY_PACKAGES = ['sharp', '@gltf-transform/core', '@gltf-transform/functions', 'meshoptimizer', 'draco3dgltf', 'undici', 'zod', '@aws-sdk/client-s3'];
const HEAVY_CHUNKS = /\/dist\/(chunks\/(project-setup|schemas|imports|settings|result|download|emulator|run|remote|options)-|optimize\/|emulator\/)/;

const IMPORTS = ['meshy:prompt?text=a wooden crate', 'meshy:prompt?text=a brass lantern&name=lantern'];
const MAIN = `${IMPORTS.map((id, i) => `import m${i} from '${id}';`).join('\n')}\nconsole.log(${IMPORTS.map((_, i) => `m${i}`).join(', ')});\n`;
// Made with the emulator; then built without it, offline (a miss would ship a placeholder, which the GLB count catches).
const PREP_CONFIG = `import meshy from 'vite-plugin-meshy';
export default { build: { assetsInlineLimit: 0 }, plugins: [meshy({ cacheNamespace: 'warm-path', mode: 'generate', emulator: { profile: 'small', taskDurationMs: 100, queueDelayMs: 0 } })] };
`;
const USER_CONFIG = `import meshy from 'vite-plugin-meshy';
export default { build: { assetsInlineLimit: 0 }, plugins: [meshy({ cacheNamespace: 'warm-path', mode: 'offline' })] };
`;

/** Records, in the child, every module URL resolved (ESM) and every CommonJS file loaded. */
const RECORDER = `import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => appendFileSync(process.env.LOADED_FILE, url + '\\n'));
port1.unref();
register('data:text/javascript,' + encodeURIComponent('let port; export function initialize(data) { port = data.port } export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result }'), { data: { port: port2 }, transferList: [port2] });
const { cache } = createRequire(import.meta.url);
process.on('exit', () => appendFileSync(process.env.LOADED_FILE, Object.keys(cache).join('\\n') + '\\n'));
`;

/** A first visit of a dev server: main.js, the first model's module, its GLB. Prints the GLB's sha256. */
const DEV_VISIT = `import { createServer } from '${pathToFileURL(join(repo, 'node_modules/vite/dist/node/index.js')).href}';
import { createHash } from 'node:crypto';
const server = await createServer({ root: process.cwd(), logLevel: 'silent', server: { host: '127.0.0.1', port: 0, preTransformRequests: false } });
await server.listen();
const { port } = server.httpServer.address();
const get = async (path) => { const response = await fetch('http://127.0.0.1:' + port + path); if (!response.ok) throw new Error(path + ': ' + response.status); return response; };
const main = await (await get('/main.js')).text();
const module = await (await get(/from\\s+"([^"]+)"/.exec(main)[1])).text();
const glb = new Uint8Array(await (await get(JSON.parse(/export default ("[^"]+")/.exec(module)[1]))).arrayBuffer());
await server.close();
console.log(createHash('sha256').update(glb).digest('hex'));
process.exit(0);
`;

const env = () => Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MESHY_') && !name.startsWith('VITEST')));

async function node(root: string, args: string[], loadedFile?: string): Promise<string> {
  const preload = loadedFile ? ['--import', join(root, 'recorder.mjs')] : [];
  const { stdout } = await run(process.execPath, [...preload, ...args], {
    cwd: root,
    env: { ...env(), ...(loadedFile ? { LOADED_FILE: loadedFile } : {}) },
    timeout: 120_000,
  });
  return stdout;
}

async function loaded(file: string): Promise<{ packages: string[]; heavyChunks: string[] }> {
  const urls = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  const packages = new Set(urls.flatMap((url) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
  return { packages: HEAVY_PACKAGES.filter((name) => packages.has(name)), heavyChunks: urls.filter((url) => url.includes(repo) && HEAVY_CHUNKS.test(url)) };
}

async function shippedGlbs(root: string): Promise<string[]> {
  const dir = join(root, 'dist/assets');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.glb'));
  const hashes = await Promise.all(
    names.map(async (name) =>
      createHash('sha256')
        .update(await readFile(join(dir, name)))
        .digest('hex'),
    ),
  );
  return hashes.sort();
}

let root: string;
/** Where the children list the modules they load: outside the project, whose files a dev server watches. */
let lists: string;

beforeAll(async () => {
  ensureDistBuilt();
  root = await mkdtemp(join(tmpdir(), 'meshy-warm-path-'));
  lists = await mkdtemp(join(tmpdir(), 'meshy-warm-path-lists-'));
  await mkdir(join(root, 'node_modules'), { recursive: true });
  await symlink(repo, join(root, 'node_modules/vite-plugin-meshy'), 'dir');
  await writeFile(join(root, 'package.json'), `${JSON.stringify({ name: 'warm-path', private: true, type: 'module' })}\n`);
  await writeFile(join(root, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
  await writeFile(join(root, 'main.js'), MAIN);
  await writeFile(join(root, 'vite.config.prep.mjs'), PREP_CONFIG);
  await writeFile(join(root, 'vite.config.mjs'), USER_CONFIG);
  await writeFile(join(root, 'recorder.mjs'), RECORDER);
  await node(root, [viteCli, 'build', '--config', 'vite.config.prep.mjs', '--logLevel', 'warn']);
}, 180_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(lists, { recursive: true, force: true });
});

describe('the warm path, from the built package', () => {
  it('a build of cached models serves them from the warm record: no optimizer, client or schemas loaded, the same files shipped', async () => {
    await node(root, [viteCli, 'build', '--logLevel', 'warn']); // the project set up: writes the record
    const first = await shippedGlbs(root);
    expect(first).toHaveLength(2);
    const record = JSON.parse(await readFile(join(root, 'node_modules/.vite/vite-plugin-meshy/warm-build-production.json'), 'utf8'));
    expect(Object.keys(record.ids).sort()).toEqual([...IMPORTS].sort());

    const file = join(lists, 'build.txt');
    await node(root, [viteCli, 'build', '--logLevel', 'warn'], file);
    expect(await shippedGlbs(root)).toEqual(first);
    expect(await loaded(file)).toEqual({ packages: [], heavyChunks: [] });
  }, 120_000);

  it("a project without meshy: imports pays only for the plugin's small module once it has built once", async () => {
    const plain = join(lists, 'plain-project');
    await mkdir(join(plain, 'node_modules'), { recursive: true });
    await symlink(repo, join(plain, 'node_modules/vite-plugin-meshy'), 'dir');
    await writeFile(join(plain, 'package.json'), `${JSON.stringify({ name: 'no-models', private: true, type: 'module' })}\n`);
    await writeFile(join(plain, 'index.html'), '<!doctype html><script type="module" src="./main.js"></script>\n');
    await writeFile(join(plain, 'main.js'), "console.log('no models here');\n");
    await writeFile(join(plain, 'vite.config.mjs'), USER_CONFIG);
    await writeFile(join(plain, 'recorder.mjs'), RECORDER);
    await node(plain, [viteCli, 'build', '--logLevel', 'warn']);
    const file = join(lists, 'no-models.txt');
    await node(plain, [viteCli, 'build', '--logLevel', 'warn'], file);
    expect(await loaded(file)).toEqual({ packages: [], heavyChunks: [] });
  }, 120_000);

  it("a dev server's first visit serves a cached model without loading the optimizer, and from the record once it has one", async () => {
    const [glb] = await shippedGlbs(root);
    const firstVisit = join(lists, 'dev-1.txt');
    const served = (await node(root, ['--input-type=module', '-e', DEV_VISIT], firstVisit)).trim();
    expect((await shippedGlbs(root)).includes(served)).toBe(true);
    // The project is set up (no record yet for a dev server), but a hit loads neither the optimizer nor the client.
    expect((await loaded(firstVisit)).packages).toEqual([]);
    expect(glb).toBeDefined();

    const secondVisit = join(lists, 'dev-2.txt');
    expect((await node(root, ['--input-type=module', '-e', DEV_VISIT], secondVisit)).trim()).toBe(served);
    expect(await loaded(secondVisit)).toEqual({ packages: [], heavyChunks: [] });
  }, 120_000);
});
