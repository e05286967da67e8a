/**
 * Types for `meshy:` imports. Add to tsconfig.json: `"types": ["vite-plugin-meshy/client"]`,
 * or a `/// <reference types="vite-plugin-meshy/client" />` line in a .d.ts file.
 */
declare module 'meshy:*' {
  /** URL of the generated GLB (hashed asset in builds, served from the cache in dev). */
  const url: string;
  export default url;
  /** What the model is: prompt, triangle count, bounds, texture sizes, Meshy task ids… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}
