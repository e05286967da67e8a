import { resolveConfig } from 'vite';
import { MeshyPluginError } from '../errors.js';
import type { MeshyProject } from '../project/index.js';
import { PLUGIN_NAME } from '../vite/plugin.js';

/** The project as its Vite config sets it up: the meshy() plugin's options, `.env` files and `meshy.config.ts`. */
export async function loadProject({ root, configFile, mode }: { root: string; configFile: string | undefined; mode: string }): Promise<MeshyProject> {
  const config = await resolveConfig({ root, ...(configFile ? { configFile } : {}), mode, logLevel: 'warn' }, 'build', mode);
  const plugin = config.plugins.find((candidate) => candidate.name === PLUGIN_NAME) as { api?: { project(): MeshyProject } } | undefined;
  if (!plugin?.api) {
    throw new MeshyPluginError(
      'MESHY_CLI_NO_PLUGIN',
      `No meshy() plugin in the Vite config of ${root}${configFile ? ` (${configFile})` : ''}: add it to \`plugins\`.`,
    );
  }
  return plugin.api.project();
}
