import { meshy } from './vite/plugin.js';

export default meshy;
export { MeshyPluginError } from './errors.js';
export { MeshySpecError } from './imports/errors.js';
export type { MeshyModelDefaults, MeshyModelDefinition } from './imports/named.js';
export type { MeshyImageMeta, MeshyModelMeta } from './meta.js';
export type { MeshyPluginOptions } from './project/options.js';
export { defineMeshyConfig, type MeshyConfig } from './vite/meshy-config.js';
export { meshy };
