export * from './store.js';
export * from './manifest.js';
export { assertGlb, assertImage, InvalidGlbError, InvalidImageError } from './glb.js';
export { sweepTempFiles, writeFileAtomic } from './atomic.js';
export * from './journal.js';
export { withFileLock, type LockOptions } from './lock.js';
export { entryStates, storedEntry, type EntryState } from './entries.js';
export { listGarbage, removeGarbage, type Garbage } from './gc.js';
