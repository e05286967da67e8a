export { sweepTempFiles, writeFileAtomic } from './atomic.js';
export { type EntryState, entryStates, paidEntry, storedEntry } from './entries.js';
export { listGarbage, removeGarbage } from './gc.js';
export { assertGlb, assertImage } from './glb.js';
export * from './journal.js';
export { withFileLock } from './lock.js';
export * from './manifest.js';
export { repairManifest } from './repair.js';
export * from './store.js';
