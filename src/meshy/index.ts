export {
  createMeshyClient,
  type MeshyClient,
  type MeshyClientOptions,
} from './client.js';
export { downloadTaskResult } from './download.js';
export * from './errors.js';
export { animation, imageTo3d, imageToImage, multiImageTo3d, remesh, retexture, rigging, type TaskResource, textTo3d, textToImage } from './resources.js';
export * from './schemas.js';
