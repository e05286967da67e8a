import { createReadStream, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, loadEnv, type Plugin, searchForWorkspaceRoot } from 'vite';
import meshy from 'vite-plugin-meshy';

// Browser tests start cold in a store of their own (MESHY_CACHE_DIR) and set how long an emulated
// task takes (MESHY_EMULATOR_TASK_MS, default 1.5 s); neither touches the playground's own .meshy/.
const storeDir = process.env.MESHY_CACHE_DIR ? resolve(process.env.MESHY_CACHE_DIR) : '.meshy';
const taskDurationMs = Number(process.env.MESHY_EMULATOR_TASK_MS) || 1500;
const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * three's KTX2Loader fetches its Basis Universal transcoder (a script and a wasm file, shipped in
 * three/examples/jsm/libs/basis/) from one directory at run time: served at /basis/ in dev, copied
 * to dist/basis/ in builds.
 */
function basisTranscoder(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve('three/examples/jsm/libs/basis/basis_transcoder.js'));
  const files: Record<string, string> = { 'basis_transcoder.js': 'text/javascript', 'basis_transcoder.wasm': 'application/wasm' };
  return {
    name: 'playground:basis-transcoder',
    configureServer(server) {
      server.middlewares.use('/basis/', (req, res, next) => {
        const name = (req.url ?? '').slice(1).split('?')[0]!;
        if (!files[name]) return next();
        res.setHeader('Content-Type', files[name]);
        createReadStream(join(dir, name)).pipe(res);
      });
    },
    generateBundle() {
      for (const name of Object.keys(files)) this.emitFile({ type: 'asset', fileName: `basis/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

export default defineConfig(({ mode }) => {
  // Vite loads .env files after the config has run: loadEnv reads them now (the environment wins), so a
  // key in playground/.env counts. Without a key the playground's models come from the bundled Meshy
  // emulator (offline, free), in builds too: asked for explicitly, as `emulator: 'auto'` never builds with it.
  const useEmulator = !loadEnv(mode, here, 'MESHY_').MESHY_API_KEY;
  if (useEmulator) {
    console.log('[meshy] MESHY_API_KEY is not set: generating with the local Meshy emulator (no credits are spent).');
  }
  return {
    plugins: [
      basisTranscoder(),
      meshy({
        storeDir,
        emulator: useEmulator ? { profile: 'standard', taskDurationMs } : false,
        // Generate explicitly: the CI default ("frozen") would refuse to generate on a fresh clone.
        mode: useEmulator ? 'generate' : undefined,
      }),
    ],
    resolve: {
      // The playground runs this repository's client helper; an app imports `vite-plugin-meshy/client` as is.
      alias: { 'vite-plugin-meshy/client': fileURLToPath(new URL('../src/client/index.ts', import.meta.url)) },
    },
    // A cache outside the project must be allowed explicitly: the dev server honours server.fs.
    server: process.env.MESHY_CACHE_DIR ? { fs: { allow: [searchForWorkspaceRoot(here), storeDir] } } : {},
  };
});
