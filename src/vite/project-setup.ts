import { relative } from 'node:path';
import type { ResolvedConfig } from 'vite';
import { canonicalJson } from '../hash.js';
import { KINDS, type MeshySpec, namedModelImports } from '../imports/index.js';
import { createProject, type LogSink, type MeshyPluginOptions, type MeshyProject, resolvePluginOptions } from '../project/index.js';
import { type ConfiguredModels, resolveConfiguredModels } from './config-file.js';
import { writeModelTypes } from './typegen.js';

/**
 * The plugin's heavy half, loaded by `import()` only when a build or dev server needs more than its
 * warm record gives (src/vite/warm.ts): the options schema, the import kinds, the store and the
 * generation pipeline. Everything the plugin hooks call of the project comes through here.
 */
export { creditsText, savingText } from '../generate/spend.js';
export { describeSpec, inputFilesOf } from '../imports/index.js';
export { findInvalidImports, MeshyInvalidImportsError } from '../project/preflight.js';
export { createDevModels } from './dev.js';

/** The project as one Vite config sets it up, and what the plugin's messages say about it. */
export interface FullProject {
  project: MeshyProject;
  configFile: ConfiguredModels['configFile'];
  /** Where a named model is defined, for messages. */
  describeNamedModel: (name: string) => string;
}

type MeshyProjectEvents = NonNullable<Parameters<typeof createProject>[1]['onEvent']>;

/** The project as this Vite config sets it up: the plugin's options (validated), `.env` files, `meshy.config.ts`, Vite's logger. */
export async function setUpProject(
  config: ResolvedConfig,
  userOptions: MeshyPluginOptions,
  { env, testRunner, logSink, onEvent }: { env: Record<string, string>; testRunner: boolean; logSink: LogSink; onEvent: MeshyProjectEvents },
): Promise<FullProject> {
  const options = resolvePluginOptions(userOptions);
  // A bad named model in the plugin's options fails before the config file is loaded.
  namedModelImports(options.models, options.defaults, KINDS);
  const { root, command, mode, inlineConfig } = config;
  const { configFile, models, imports } = await resolveConfiguredModels({
    root,
    configFile: options.configFile,
    models: options.models,
    defaults: options.defaults,
    reservedNames: KINDS,
    env: { command, mode },
    configLoader: inlineConfig.configLoader,
  });
  const namedModelOrigins = new Map(configFile ? Object.keys(configFile.models).map((name) => [name, relative(root, configFile.file)] as const) : []);
  const project = createProject(userOptions, {
    root,
    command,
    testRunner,
    env,
    namedModels: imports,
    namedModelOrigins,
    logSink,
    onEvent,
  });
  await writeModelTypes(project.layout.dir, models, project.layout.tmp).catch((error: Error) =>
    config.logger.warn(`[meshy] could not write the named models' types: ${error.message}`),
  );
  const describeNamedModel = (name: string) => {
    const file = namedModelOrigins.get(name);
    return file ? `${file} (models.${name})` : `meshy({ models: { ${name} } })`;
  };
  return { project, configFile, describeNamedModel };
}

/** One optimized variant: the Meshy model (its key) and the import's optimize overrides. */
export function variantOf(project: MeshyProject, spec: MeshySpec): string {
  return `${project.source.keyOf(spec)} ${canonicalJson(spec.optimize ?? null)}`;
}
