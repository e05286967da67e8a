import { MeshyPluginError } from '../errors.js';

/**
 * A remote store problem the build cannot work around: the SDK is not installed, the store is
 * `required` and cannot be reached, its URL is invalid. Recoverable problems are warnings instead.
 */
export class RemoteStoreError extends MeshyPluginError {}
