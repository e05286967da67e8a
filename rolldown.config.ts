import { builtinModules } from 'node:module';
import { defineConfig } from 'rolldown';

/**
 * The package's JavaScript, bundled: Node loads one module file at a time, and the ~80 source
 * modules plus zod's ~95 files cost more to resolve and link than to run (issue 12: a cached model
 * should cost what a static asset costs). zod is bundled for that reason; every other dependency
 * stays external and is loaded on first need through the dynamic imports in the sources.
 * Declarations come from `tsc` (see the `build` script).
 */
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);
const bundled = (id: string) => id === 'zod' || id.startsWith('zod/');
const external = (id: string) => nodeBuiltins.has(id) || (!id.startsWith('.') && !id.startsWith('/') && !bundled(id) && !/^[A-Za-z]:/.test(id));

export default defineConfig([
  {
    input: {
      index: 'src/index.ts',
      'cli/bin': 'src/cli/bin.ts',
      'emulator/index': 'src/emulator/index.ts',
      'emulator/bin': 'src/emulator/bin.ts',
      'optimize/worker': 'src/optimize/worker.ts',
    },
    platform: 'node',
    external,
    output: {
      dir: 'dist',
      format: 'esm',
      sourcemap: true,
      entryFileNames: '[name].js',
      // Shared and lazy chunks sit one level down, like src/optimize/pool.ts beside worker.ts: the pool finds
      // `../optimize/worker.js` from both.
      chunkFileNames: 'chunks/[name]-[hash].js',
    },
  },
  {
    // The browser helper, served to the page by Vite: one file, nothing shared with the Node code.
    input: { 'client/index': 'src/client/index.ts' },
    platform: 'browser',
    output: { dir: 'dist', format: 'esm', sourcemap: true, entryFileNames: '[name].js', codeSplitting: false },
  },
]);
