import { meshy } from './vite/plugin.js';

export default meshy;
export { meshy };
export type { MeshyPluginOptions } from './project/options.js';
export { defineMeshyConfig, type MeshyConfig } from './vite/config-file.js';
export type { ModelMeta as MeshyModelMeta, ImageMeta as MeshyImageMeta } from './generate/index.js';
export { MeshyPluginError } from './errors.js';
export { MeshySpecError } from './imports/index.js';
