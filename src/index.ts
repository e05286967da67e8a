import { meshy } from './vite/plugin.js';

export default meshy;
export { MeshyPluginError } from './errors.js';
export type { ImageMeta as MeshyImageMeta, ModelMeta as MeshyModelMeta } from './generate/index.js';
export { MeshySpecError } from './imports/index.js';
export type { MeshyPluginOptions } from './project/options.js';
export { defineMeshyConfig, type MeshyConfig } from './vite/config-file.js';
export { meshy };
