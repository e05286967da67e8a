export {
  createMeshyClient,
  MESHY_API_BASE,
  type MeshyClient,
  type MeshyClientOptions,
} from './client.js';
export { type DownloadedFile, downloadTaskResult } from './download.js';
export * from './errors.js';
export { animation, imageTo3d, imageToImage, multiImageTo3d, remesh, retexture, rigging, type TaskResource, textTo3d, textToImage } from './resources.js';
export * from './schemas.js';
export { userInfoSecrets } from './urls.js';
