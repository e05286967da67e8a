import { resolveConfig } from 'vite';
import { MeshyPluginError } from '../errors.js';
import type { MeshyProject } from './project.js';

/** The project as its Vite config describes it: the meshy() plugin instance's settings. */
export async function loadProject({ root, configFile, mode }: { root: string; configFile: string | undefined; mode: string }): Promise<MeshyProject> {
  const config = await resolveConfig({ root, ...(configFile ? { configFile } : {}), mode, logLevel: 'warn' }, 'build', mode);
  const plugin = config.plugins.find((candidate) => candidate.name === 'vite-plugin-meshy') as { api?: { project(): MeshyProject } } | undefined;
  if (!plugin?.api) {
    throw new MeshyPluginError('MESHY_CLI_NO_PLUGIN', `No meshy() plugin in the Vite config of ${root}${configFile ? ` (${configFile})` : ''}: add it to \`plugins\`.`);
  }
  return plugin.api.project();
}
