import type { StoreLayout } from '../cache/index.js';
import type { GenerationEvent, GenerationMode, ModelSource } from '../generate/index.js';
import type { MeshyClient } from '../meshy/index.js';
import type { MeshySpec } from '../imports/index.js';

/** What the CLI needs of a project; the plugin provides it from the project's Vite config. */
export interface MeshyProject {
  root: string;
  layout: StoreLayout;
  /** Parses an import id (named models included); throws MeshySpecError. */
  parse(id: string, importer?: string): MeshySpec;
  namedModels: ReadonlyMap<string, string>;
  createSource(settings: { concurrency?: number; mode?: GenerationMode; dryRun?: boolean; onEvent?: (event: GenerationEvent) => void; log: (line: string) => void }): ModelSource;
  connect(): Promise<MeshyClient>;
  close(): Promise<void>;
}
