export { sweepTempFiles, writeFileAtomic } from './atomic.js';
export { type EntryState, entryStates, storedEntry } from './entries.js';
export { listGarbage, removeGarbage } from './gc.js';
export { assertGlb, assertImage } from './glb.js';
export * from './journal.js';
export { withFileLock } from './lock.js';
export * from './manifest.js';
export * from './store.js';
