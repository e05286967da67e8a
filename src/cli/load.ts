import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { resolveConfig } from 'vite';
import { MeshyPluginError } from '../errors.js';
import type { MeshyProject } from '../project/index.js';
import { PLUGIN_NAME } from '../vite/plugin.js';

/** The project as its Vite config sets it up: the meshy() plugin's options, `.env` files and `meshy.config.ts`. */
export async function loadProject({ root, configFile, mode }: { root: string; configFile: string | undefined; mode: string }): Promise<MeshyProject> {
  await assertDirectory(root);
  if (configFile) await assertFile(resolve(root, configFile));
  const config = await resolveConfig({ root, ...(configFile ? { configFile } : {}), mode, logLevel: 'warn' }, 'build', mode);
  if (!config.configFile) {
    throw new MeshyPluginError(
      'MESHY_CLI_NO_PLUGIN',
      `No Vite config file in ${resolve(root)} (vite.config.ts, .js, .mjs…): run the command in the project's folder, or pass --root or --config.`,
    );
  }
  const plugin = config.plugins.find((candidate) => candidate.name === PLUGIN_NAME) as { api?: { project(): Promise<MeshyProject> } } | undefined;
  if (!plugin?.api) {
    throw new MeshyPluginError(
      'MESHY_CLI_NO_PLUGIN',
      `No meshy() plugin in the Vite config of ${root}${configFile ? ` (${configFile})` : ''}: add it to \`plugins\`.`,
    );
  }
  return plugin.api.project();
}

async function assertDirectory(root: string): Promise<void> {
  const found = await stat(root).catch(() => undefined);
  if (found?.isDirectory()) return;
  throw new MeshyPluginError(
    'MESHY_CLI_NO_ROOT',
    found
      ? `--root ${root}: not a folder. Pass the project's folder, the one that holds its Vite config.`
      : `--root ${root}: no such folder (${resolve(root)}). Pass the project's folder, the one that holds its Vite config.`,
    { context: { root } },
  );
}

async function assertFile(file: string): Promise<void> {
  if ((await stat(file).catch(() => undefined))?.isFile()) return;
  throw new MeshyPluginError('MESHY_CLI_NO_CONFIG', `--config: there is no Vite config file ${file}.`, { context: { file } });
}
