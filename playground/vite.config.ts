import { defineConfig } from 'vite';
import meshy from 'vite-plugin-meshy';

// Without a key the playground generates its models with the bundled Meshy emulator: offline, free.
const useEmulator = !process.env.MESHY_API_KEY;
if (useEmulator) {
  console.log('[meshy] MESHY_API_KEY is not set: generating with the local Meshy emulator (no credits are spent).');
}

export default defineConfig({
  plugins: [
    meshy({
      emulator: useEmulator ? { profile: 'standard', taskDurationMs: 1500 } : false,
      // Generate explicitly: the CI default ("frozen") would refuse to generate on a fresh clone.
      mode: useEmulator ? 'generate' : undefined,
    }),
  ],
});
