/**
 * Types for `meshy:` imports. Add to tsconfig.json: `"types": ["vite-plugin-meshy/client"]`,
 * or a `/// <reference types="vite-plugin-meshy/client" />` line in a .d.ts file.
 */
declare module 'meshy:*' {
  /** URL of the generated GLB (hashed asset in builds, served from the cache in dev). */
  const url: string;
  export default url;
  /** What the model is: prompt, triangle count, bounds, texture sizes, clips, Meshy task ids… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:text-to-image?*' {
  /** URL of the generated PNG. */
  const url: string;
  export default url;
  /** What the image is: prompt, width, height, bytes, Meshy task ids… */
  export const meta: import('vite-plugin-meshy').MeshyImageMeta;
}

declare module 'meshy:image-to-image?*' {
  /** URL of the generated PNG. */
  const url: string;
  export default url;
  /** What the image is: prompt, width, height, bytes, Meshy task ids… */
  export const meta: import('vite-plugin-meshy').MeshyImageMeta;
}
