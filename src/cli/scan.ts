// The scanner lives in the core (the Vite plugin validates every import at build start with it).
export { type FoundImport, findMeshyImports } from '../project/scan.js';
