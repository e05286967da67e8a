export * from './store.js';
export * from './manifest.js';
export { assertGlb, InvalidGlbError } from './glb.js';
export { writeFileAtomic } from './atomic.js';
