import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { writeProject } from '../helpers/project.js';
import { useTempDirs } from '../helpers/tmp.js';
import { startDevServer } from '../vite/dev-helpers.js';
import { launchChromium, withoutChromium } from './chromium.js';

/**
 * A page that does not listen with onModelUpdate(): when the model is ready, the update propagates
 * to the importer as if the `meshy:` module did not accept it — here a page without HMR handling,
 * so Vite reloads it and the importer runs again with the ready model.
 */
const API_KEY = 'msy_hmr_fallback_test_key';
const tempDir = useTempDirs();
let emulator: Emulator;
let browser: Browser | undefined;

beforeAll(async () => {
  emulator = await startEmulator({ apiKeys: [API_KEY], taskDurationMs: 1500, queueDelayMs: 20 });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await emulator.close();
});

describe.skipIf(withoutChromium())('a page without onModelUpdate', () => {
  it('re-runs its importer (a reload here) when the model is ready', async () => {
    const root = await tempDir();
    await writeProject(root, {
      'index.html': '<!doctype html><body><script type="module" src="/main.js"></script></body>',
      'main.js': `import url, { meta } from 'meshy:prompt?text=a reloaded rock&textured=false';
const seen = JSON.parse(sessionStorage.getItem('seen') ?? '[]');
seen.push(meta.status);
sessionStorage.setItem('seen', JSON.stringify(seen));
window.__seen = seen;`,
    });
    const dev = await startDevServer(root, {
      apiKey: API_KEY,
      apiBase: emulator.url,
      mode: 'generate',
      storeDir: join(root, '.meshy'),
      overlay: false,
      optimize: false,
    });
    try {
      const page = await browser!.newPage();
      await page.goto(dev.url);
      await page.waitForFunction(() => (globalThis as unknown as { __seen?: string[] }).__seen?.[0] === 'pending', null, { timeout: 20_000 });
      await page.waitForFunction(() => (globalThis as unknown as { __seen?: string[] }).__seen?.at(-1) === 'ready', null, { timeout: 30_000, polling: 100 });
      const seen = await page.evaluate(() => (globalThis as unknown as { __seen: string[] }).__seen);
      expect(seen[0]).toBe('pending');
      expect(seen.at(-1)).toBe('ready');
      await page.close();
    } finally {
      await dev.close();
    }
  });
});
