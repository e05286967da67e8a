import { defineMeshyConfig } from 'vite-plugin-meshy';

// Named models: `import hero from 'meshy:hero'` in main.ts. The plugin finds this file next to
// vite.config.ts, and writes their types to <storeDir>/models.d.ts.
export default defineMeshyConfig({
  models: {
    // Generated, rigged by Meshy, and animated with a library clip (`idle`) and a Text to Motion clip (`shamble`) in one GLB.
    hero: {
      prompt: 'a stylized knight, t-pose',
      pose_mode: 't-pose',
      animation: ['idle'],
      motions: { shamble: { prompt: 'a tired zombie shamble, arms forward', duration: 3 } },
    },
  },
});
