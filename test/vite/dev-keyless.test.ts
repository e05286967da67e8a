import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { buildProject, writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { type DevServer, isEvent, startDevServer } from './dev-helpers.js';

const API_KEY = 'msy_keyless_dev_key_0001';
const tempDir = useTempDirs();
const servers: DevServer[] = [];
let meshyApi: Emulator;

// The "real" Meshy API of this test: an emulator behind `apiBase`, so the namespace a key uses is `custom:127.0.0.1`.
beforeAll(async () => {
  meshyApi = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 100, queueDelayMs: 5 });
});
afterAll(() => meshyApi.close());
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Manifest {
  entries: Record<string, { label: string; namespace: string; tasks: { id: string }[] }>;
}

async function serve(path: string, server: DevServer) {
  const response = await fetch(new URL(path, server.url));
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${body.slice(0, 300)}`);
  return JSON.parse(/export const meta = (\{.*\});/.exec(body)![1]!) as { key: string; status: string; emulated: boolean; taskIds: string[] };
}

// A teammate committed models paid for with a key; a new clone runs `vite` without one.
describe.skipIf(!!process.env.MESHY_API_KEY)('a keyless dev server (emulator: auto) in a project with committed models', () => {
  it("serves the real API's stored models as Meshy's and generates only the missing ones with the emulator, under its own namespace", async () => {
    const root = await tempDir();
    const paid = 'meshy:prompt?text=a committed helmet&textured=false';
    const missing = 'meshy:prompt?text=a missing shield&textured=false';
    const options = { apiBase: meshyApi.url, optimize: false, storeDir: join(root, '.meshy') } as const;
    await writeProject(root, { 'main.js': `import helmet from '${paid}';\nconsole.log(helmet);` });
    await buildProject(root, { ...options, apiKey: API_KEY, mode: 'generate' });
    const manifestPath = join(root, '.meshy/manifest.json');
    const [committed] = Object.values((JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest).entries);
    expect(committed).toMatchObject({ label: 'a committed helmet', namespace: 'custom:127.0.0.1' });
    const paidTasks = meshyApi.stats().tasksCreated;

    await writeProject(root, { 'main.js': `import helmet from '${paid}';\nimport shield from '${missing}';\nconsole.log(helmet, shield);` });
    const server = await startDevServer(root, { ...options, mode: 'generate' });
    servers.push(server);
    expect(server.logs.join('\n')).toMatch(/emulator: no MESHY_API_KEY/);
    const page = await (await fetch(new URL('main.js', server.url))).text();
    const [helmetPath, shieldPath] = [...page.matchAll(/from "(\/[^"]*@id\/__x00__meshy:[^"]+)"/g)].map((match) => match[1]!);

    // Stored for the real API: ready at once, Meshy's, its own tasks; nothing generated for it.
    const helmet = await serve(helmetPath!, server);
    expect(helmet).toMatchObject({ status: 'ready', emulated: false, taskIds: committed!.tasks.map((task) => task.id) });

    // Not stored anywhere: a placeholder, then the emulator's stand-in, labelled emulated.
    const shield = await serve(shieldPath!, server);
    expect(shield).toMatchObject({ status: 'pending' });
    await server.waitFor(isEvent('meshy:done', shield.key));
    expect(await serve(shieldPath!, server)).toMatchObject({ status: 'ready', emulated: true });

    expect(server.messages.some(isEvent('meshy:progress', helmet.key))).toBe(false);
    expect(server.logs.join('\n')).not.toMatch(/generating "a committed helmet"/);
    expect(server.logs.join('\n')).toMatch(/generating "a missing shield" with the emulator/);
    // The stand-in is written under the emulator's namespace, never the real one; the real API was not called.
    const entries = Object.values((JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest).entries);
    expect(Object.fromEntries(entries.map((entry) => [entry.label, entry.namespace]))).toEqual({
      'a committed helmet': 'custom:127.0.0.1',
      'a missing shield': 'emulator',
    });
    expect(meshyApi.stats().tasksCreated).toBe(paidTasks);
  });
});
