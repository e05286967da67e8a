/**
 * The public names of the `meta` exports, declared (not aliased) so that the compiler's messages in a
 * user's project name them as the README does: `MeshyModelMeta`, not the pipeline's `ModelMeta`.
 */
import type { ImageMeta, ModelMeta } from './generate/index.js';

/** The `meta` export of a model import: triangles, bounds, textures, clips, status, Meshy task ids, credits… */
export interface MeshyModelMeta extends ModelMeta {}

/** The `meta` export of an image import (`meshy:text-to-image`, `meshy:image-to-image`): width, height, status… */
export interface MeshyImageMeta extends ImageMeta {}
