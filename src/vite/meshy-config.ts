import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { ViteDevServer } from 'vite';
import { MeshyPluginError } from '../errors.js';
import type { MeshyPluginOptions } from '../project/options.js';

/**
 * `meshy.config.ts`: the named models of a project in a file of their own, next to vite.config.ts.
 *
 * ```ts
 * // meshy.config.ts
 * import { defineMeshyConfig } from 'vite-plugin-meshy';
 * export default defineMeshyConfig({ defaults: { enable_pbr: true }, models: { knight: { prompt: '…' } } });
 * ```
 *
 * Found and watched here; loaded with Vite's own config loader (`loadConfigFromFile`, the one that loads vite.config.ts),
 * validated with the plugin's schemas and merged with the plugin's `models` and `defaults` in config-file.ts.
 */
export interface MeshyConfig {
  /** Named models: `models: { knight: { prompt: '…' } }`, then `import knight from 'meshy:knight'`. */
  models?: MeshyPluginOptions['models'];
  /** Options every named model starts from (of this file and of the plugin's options alike). */
  defaults?: MeshyPluginOptions['defaults'];
}

/** Types a `meshy.config.ts`; returns its argument. */
export function defineMeshyConfig(config: MeshyConfig): MeshyConfig {
  return config;
}

/** Looked for in the Vite root, in this order, unless the plugin's `configFile` option says otherwise. */
const CONFIG_FILE_NAMES = ['meshy.config.ts', 'meshy.config.mts', 'meshy.config.js', 'meshy.config.mjs'] as const;

/** The config file to load: the `configFile` option's, or the first of CONFIG_FILE_NAMES in the root. */
export function findConfigFile(root: string, configFile: string | false | undefined): string | undefined {
  if (configFile === false) return undefined;
  if (configFile !== undefined) {
    const file = resolve(root, configFile);
    if (!existsSync(file)) {
      throw new MeshyPluginError('MESHY_CONFIG_FILE', `meshy({ configFile: ${JSON.stringify(configFile)} }): there is no such file (${file}).`, {
        context: { file },
      });
    }
    return file;
  }
  return CONFIG_FILE_NAMES.map((name) => resolve(root, name)).find((file) => existsSync(file));
}

/**
 * Dev server: restarts the server when the config file (or a module it imports) changes or is
 * removed, or, when there is none yet, when one is created in the root. `invalidate` runs first, so
 * the restarted server loads the file again.
 */
export function watchConfigFile(
  server: Pick<ViteDevServer, 'watcher' | 'restart'>,
  {
    root,
    configFile,
    dependencies,
    log,
    invalidate,
  }: {
    root: string;
    configFile: string | false | undefined;
    dependencies: readonly string[] | undefined;
    log: (line: string) => void;
    invalidate: () => void;
  },
): void {
  if (configFile === false) return;
  const watched = new Set(dependencies ?? (configFile !== undefined ? [resolve(root, configFile)] : CONFIG_FILE_NAMES.map((name) => resolve(root, name))));
  server.watcher.add([...watched]);
  let restarting = false;
  const onFile = (path: string) => {
    if (restarting || !watched.has(resolve(path))) return;
    restarting = true;
    invalidate();
    log(`${displayPath(root, path)} changed: restarting the server for the new named models`);
    void server.restart().finally(() => {
      restarting = false;
    });
  };
  server.watcher.on('change', onFile);
  server.watcher.on('add', onFile);
  server.watcher.on('unlink', onFile);
}

export function displayPath(root: string, file: string): string {
  const rel = relative(root, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}
