/**
 * Types of `meshy:` imports: one declaration per import kind (src/imports/kinds/index.ts; a test keeps
 * them in step), so `meshy:prompt?text=…` typechecks and a misspelt `meshy:promt?…` does not. Named
 * models (`meshy:knight`) are declared in the generated `<storeDir>/models.d.ts` (include it in your
 * tsconfig): there is no `meshy:*` wildcard, so a misspelt model name fails `tsc` as it fails the build.
 *
 * Add to the tsconfig that includes your sources (in a React + TypeScript app, tsconfig.app.json):
 * `"types": ["vite/client", "vite-plugin-meshy/client"]`, or a `/// <reference types="vite-plugin-meshy/client" />` line.
 */

declare module 'meshy:prompt?*' {
  /** URL of the generated GLB (text to 3D): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the model is: prompt, triangles, bounds, textures, clips, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:image?*' {
  /** URL of the generated GLB (image to 3D): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the model is: prompt, triangles, bounds, textures, clips, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:images?*' {
  /** URL of the generated GLB (multi-image to 3D): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the model is: prompt, triangles, bounds, textures, clips, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:retexture?*' {
  /** URL of the generated GLB (new textures on a model): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the model is: prompt, triangles, bounds, textures, clips, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:remesh?*' {
  /** URL of the generated GLB (a model remeshed): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the model is: prompt, triangles, bounds, textures, clips, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyModelMeta;
}

declare module 'meshy:text-to-image?*' {
  /** URL of the generated PNG (text to image): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the image is: prompt, width, height, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyImageMeta;
}

declare module 'meshy:image-to-image?*' {
  /** URL of the generated PNG (image to image): a hashed asset in builds, served from the store in dev. */
  const url: string;
  export default url;
  /** What the image is: prompt, width, height, status, Meshy task ids, credits… */
  export const meta: import('vite-plugin-meshy').MeshyImageMeta;
}
