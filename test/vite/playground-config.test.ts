import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Plugin, resolveConfig } from 'vite';
import { afterEach, describe, expect, it, vi } from 'vitest';

const playground = join(import.meta.dirname, '../../playground');
// A mode of this test's own: its .env file is read by Vite (and loadEnv) in that mode only.
const MODE = 'meshy-env-test';
const envFile = join(playground, `.env.${MODE}.local`);

afterEach(async () => {
  await rm(envFile, { force: true });
  vi.restoreAllMocks();
});

/** The playground's Vite config resolved as `vite build playground --mode <MODE>` would, and the backend its plugin chose. */
async function playgroundBackend(): Promise<{ backend: string; printed: string }> {
  const printed: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  const config = await resolveConfig({ root: playground, configFile: join(playground, 'vite.config.ts'), mode: MODE, logLevel: 'silent' }, 'build');
  const plugin = config.plugins.find((candidate) => candidate.name === 'vite-plugin-meshy') as Plugin & {
    api: { project(): Promise<{ settings: { backend: string } }> };
  };
  return { backend: (await plugin.api.project()).settings.backend, printed: printed.join('\n') };
}

// The playground decides `emulator` in its config: it must see a key in playground/.env as the plugin does.
describe.skipIf(!!process.env.MESHY_API_KEY)('the playground config', () => {
  it('honours MESHY_API_KEY in a playground .env file (read with loadEnv before Vite loads it)', async () => {
    await writeFile(envFile, 'MESHY_API_KEY=msy_playground_dotenv_0001\n');
    const { backend, printed } = await playgroundBackend();
    expect(backend).toBe('meshy');
    expect(printed).not.toMatch(/local Meshy emulator/);
  });

  it('without a key, builds with the emulator, asked for explicitly', async () => {
    const { backend, printed } = await playgroundBackend();
    expect(backend).toBe('emulator');
    expect(printed).toMatch(/MESHY_API_KEY is not set: generating with the local Meshy emulator/);
  });
});
