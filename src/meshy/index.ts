export {
  createMeshyClient,
  MESHY_API_BASE,
  type MeshyClient,
  type MeshyClientOptions,
  type TaskProgress,
  type ListOptions,
  type CreateOptions,
} from './client.js';
export { animation, imageTo3d, imageToImage, multiImageTo3d, remesh, retexture, rigging, textTo3d, textToImage, type TaskResource } from './resources.js';
export * from './errors.js';
export * from './schemas.js';
export { parseEventStream, type ServerSentEvent } from './sse.js';
export { retryDelayMs, parseRetryAfter, createRateGate, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export { textTo3dCredits } from './pricing.js';
