import { resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import type { ConfigEnv } from 'vite';
import * as vite from 'vite';
import type { z } from 'zod';
import { MeshyPluginError } from '../errors.js';
import { namedModelImports } from '../imports/index.js';
import { pluginOptionsSchema } from '../project/options.js';
import { displayPath, findConfigFile } from './meshy-config.js';

export { findConfigFile };

/** As validated (the config's types are MeshyConfig's). */
type ModelDefinitions = NonNullable<z.output<typeof pluginOptionsSchema>['models']>;
type ModelDefaults = NonNullable<z.output<typeof pluginOptionsSchema>['defaults']>;

/** A loaded, validated config file. */
export interface LoadedConfigFile {
  /** Absolute path. */
  file: string;
  models: ModelDefinitions;
  defaults: ModelDefaults;
  /** The file and the local modules it imports: a change to any of them changes the models. */
  dependencies: string[];
}

/** The named models of a project: the plugin's options and its config file, merged. */
export interface ConfiguredModels {
  configFile: LoadedConfigFile | undefined;
  /** Every named model's definition, as written (defaults not applied). */
  models: ModelDefinitions;
  defaults: ModelDefaults;
  /** Every named model as the `meshy:prompt?…` import it stands for (what the plugin resolves). */
  imports: Map<string, string>;
}

export interface ResolveModelsOptions {
  root: string;
  /** The plugin's `configFile` option: a path (relative to the root), `false` for none, or undefined to look for one. */
  configFile: string | false | undefined;
  /** The plugin's own `models` and `defaults`. */
  models: ModelDefinitions | undefined;
  defaults: ModelDefaults | undefined;
  /** Import kinds (`prompt`, …): no model may be named like one. */
  reservedNames: readonly string[];
  /** Passed to a config file that exports a function, like Vite does for vite.config.ts. */
  env?: ConfigEnv;
  /** Vite's `configLoader` (`bundle`, the default, `runner` or `native`): the one the Vite config was loaded with. */
  configLoader?: 'bundle' | 'runner' | 'native' | undefined;
}

/** Finds, loads and validates the config file, and merges its models with the plugin's. */
export async function resolveConfiguredModels(options: ResolveModelsOptions): Promise<ConfiguredModels> {
  const file = findConfigFile(options.root, options.configFile);
  const configFile = file
    ? await loadConfigFile(file, { root: options.root, env: options.env ?? { command: 'build', mode: 'production' }, configLoader: options.configLoader })
    : undefined;
  return mergeConfiguredModels({ models: options.models, defaults: options.defaults }, configFile, options.root, options.reservedNames);
}

const configFileSchema = pluginOptionsSchema.pick({ models: true, defaults: true });

/**
 * Loads a config file with Vite's `loadConfigFromFile` (public API of Vite 7 and 8: TypeScript is
 * bundled with esbuild on Vite 7, Rolldown on Vite 8; packages it imports stay external and load
 * from node_modules), then validates its default export. Every failure names the file.
 */
export async function loadConfigFile(
  file: string,
  { root, env, configLoader }: { root: string; env: ConfigEnv; configLoader?: 'bundle' | 'runner' | 'native' | undefined },
): Promise<LoadedConfigFile> {
  const shown = displayPath(root, file);
  const loadConfigFromFile = (vite as Partial<typeof vite>).loadConfigFromFile;
  if (typeof loadConfigFromFile !== 'function') {
    throw new MeshyPluginError('MESHY_CONFIG_FILE', `Cannot load ${shown}: this version of Vite has no loadConfigFromFile (Vite 7 or 8 is needed).`);
  }
  let loaded: Awaited<ReturnType<typeof vite.loadConfigFromFile>>;
  try {
    // 'silent': the error is rethrown below, naming the file; Vite would print it a second time.
    loaded = await loadConfigFromFile(env, file, root, 'silent', undefined, configLoader ?? 'bundle');
  } catch (error) {
    const reason = describeLoadError(error, root);
    throw new MeshyPluginError('MESHY_CONFIG_FILE', `Could not load ${shown}: ${reason}`, { cause: error, context: { file } });
  }
  if (!loaded) throw new MeshyPluginError('MESHY_CONFIG_FILE', `Could not load ${shown}: not found.`, { context: { file } });

  const parsed = configFileSchema.safeParse(loaded.config);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(default export)'}: ${issue.message}`);
    throw new MeshyPluginError('MESHY_CONFIG_FILE', `Invalid ${shown} (its default export is { models, defaults }):\n${lines.join('\n')}`, {
      context: { file, issues: parsed.error.issues },
    });
  }
  // Vite 7 lists dependencies relative to the working directory, Vite 8 absolute.
  const dependencies = [...new Set([file, ...loaded.dependencies.map((dependency) => resolve(dependency))])];
  return { file, models: parsed.data.models ?? {}, defaults: parsed.data.defaults ?? {}, dependencies };
}

/**
 * Merges the plugin's models and defaults with the config file's. A model name, or a default, set in
 * both places is an error naming both: one of them would silently lose.
 */
export function mergeConfiguredModels(
  plugin: { models: ModelDefinitions | undefined; defaults: ModelDefaults | undefined },
  configFile: LoadedConfigFile | undefined,
  root: string,
  reservedNames: readonly string[],
): ConfiguredModels {
  const pluginModels = plugin.models ?? {};
  const pluginDefaults = plugin.defaults ?? {};
  if (!configFile) {
    return { configFile, models: pluginModels, defaults: pluginDefaults, imports: namedModelImports(pluginModels, pluginDefaults, reservedNames) };
  }
  const shown = displayPath(root, configFile.file);
  const twice = [
    ...Object.keys(configFile.models)
      .filter((name) => Object.hasOwn(pluginModels, name))
      .map((name) => `  - model "${name}": in meshy({ models }) (the Vite config) and in ${shown} (models)`),
    ...Object.keys(configFile.defaults)
      .filter((key) => Object.hasOwn(pluginDefaults, key))
      .map((key) => `  - default "${key}": in meshy({ defaults }) (the Vite config) and in ${shown} (defaults)`),
  ];
  if (twice.length > 0) {
    throw new MeshyPluginError('MESHY_CONFIG_CONFLICT', `Named models are defined in two places; keep each in one:\n${twice.join('\n')}`, {
      context: { file: configFile.file },
    });
  }
  const defaults = { ...pluginDefaults, ...configFile.defaults };
  let fileImports: Map<string, string>;
  try {
    fileImports = namedModelImports(configFile.models, defaults, reservedNames);
  } catch (error) {
    if (!(error instanceof MeshyPluginError)) throw error;
    throw new MeshyPluginError(error.code, `In ${shown}: ${error.message}`, { cause: error, context: { ...error.context, file: configFile.file } });
  }
  const imports = new Map([...namedModelImports(pluginModels, defaults, reservedNames), ...fileImports]);
  return { configFile, models: { ...pluginModels, ...configFile.models }, defaults, imports };
}

/** The bundler's problems, one line each with the line number (columns are off: Vite prefixes line 1). */
function describeLoadError(error: unknown, root: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/must export or return an object/.test(message)) return 'it must `export default defineMeshyConfig({ models, defaults })`.';
  const problems = (error as { errors?: unknown }).errors;
  if (Array.isArray(problems) && problems.length > 0) {
    // Rolldown (Vite 8): { message, loc: { file, line } }; esbuild (Vite 7): { text, location: { file, line } }.
    const lines = problems.map((problem: { message?: unknown; text?: unknown; loc?: Location; location?: Location }) => {
      const text = stripVTControlCharacters(String(problem.text ?? problem.message ?? ''))
        .split('\n')[0]!
        .trim();
      const at = problem.loc ?? problem.location;
      return at?.file && at.line ? `${text} (${displayPath(root, resolve(root, at.file))}:${at.line})` : text;
    });
    return lines.length === 1 ? lines[0]! : lines.map((line) => `\n  - ${line}`).join('');
  }
  // Without structured errors, drop code frames (box-drawing lines) and keep the words.
  return stripVTControlCharacters(message)
    .split('\n')
    .filter((line) => !/^\s*(\d+\s*)?[│╭╰─┬]/.test(line))
    .join('\n')
    .trim();
}

interface Location {
  file?: string;
  line?: number;
}
