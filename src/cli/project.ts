import type { MeshyProject as Project } from '../project/index.js';

/** What the CLI's commands use of a project (see `createProject`). */
export type MeshyProject = Pick<Project, 'root' | 'layout' | 'namedModels' | 'parse' | 'createSource' | 'connect' | 'close'>;
