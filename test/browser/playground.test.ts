import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, build, preview, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ensureDistBuilt } from '../helpers/dist.js';
import { launchChromium, nonBackgroundFraction, pageErrors } from './chromium.js';

const playground = join(import.meta.dirname, '../../playground');
const configFile = join(playground, 'vite.config.ts');

interface ShownModel {
  prompt: string;
  status: string;
  shown: string;
  history: { status: string; placeholder: boolean }[];
}
// Page functions are strings: this project's tsconfig has no DOM types. `__meshyPlayground` is main.ts's hook.
const MODELS = 'window.__meshyPlayground ? window.__meshyPlayground.models() : []';
const PAGE_ID = 'window.__meshyPlayground.pageId';
const allShown = (what: string) => `(${MODELS}).length === 3 && (${MODELS}).every((model) => ${what})`;
const HIDE_HTML = `for (const element of document.querySelectorAll('#panel, #meshy-overlay')) element.style.visibility = 'hidden'`;

let work: string;
let browser: Browser | undefined;
const savedEnv = { ...process.env };

beforeAll(async () => {
  ensureDistBuilt(); // the playground's vite.config imports the plugin as published
  work = await mkdtemp(join(tmpdir(), 'meshy-browser-'));
  // A cold cache of its own, the emulator (never a real key), emulated tasks of a few seconds.
  delete process.env.MESHY_API_KEY;
  delete process.env.MESHY_API_BASE;
  process.env.MESHY_CACHE_DIR = join(work, 'meshy-cache');
  process.env.MESHY_EMULATOR_TASK_MS = '3000';
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  process.env = savedEnv;
  if (work) await rm(work, { recursive: true, force: true });
});

async function models(page: Page): Promise<ShownModel[]> {
  return page.evaluate<ShownModel[]>(MODELS);
}

/** Hides the HTML on top of the canvas, so that a screenshot shows only what WebGL drew. */
async function canvasScreenshot(page: Page): Promise<Uint8Array> {
  await page.evaluate(HIDE_HTML);
  return page.locator('canvas').screenshot();
}

describe('the playground in a real browser', () => {
  it('dev: shows placeholders at once, then swaps in the generated models without a reload', async () => {
    let server: ViteDevServer | undefined;
    const page = await browser!.newPage({ viewport: { width: 960, height: 540 } });
    const errors = pageErrors(page);
    try {
      server = await createServer({
        configFile,
        root: playground,
        cacheDir: join(work, 'vite-dev'),
        logLevel: 'warn',
        server: { host: '127.0.0.1', port: 0, strictPort: false },
      });
      await server.listen();
      const url = server.resolvedUrls!.local[0]!;
      await page.goto(url);
      await page.waitForFunction(allShown('model.history.length > 0'), null, { timeout: 60_000, polling: 100 });
      const pageId = await page.evaluate<string>(PAGE_ID);
      const first = await models(page);
      // Nothing was cached: every model answered with the placeholder box, marked pending.
      for (const model of first) expect(model.history[0], model.prompt).toEqual({ status: 'pending', placeholder: true });
      expect(await page.locator('#meshy-overlay').count()).toBe(1);

      await page.waitForFunction(allShown(`model.shown === 'ready'`), null, { timeout: 90_000, polling: 250 });
      const last = await models(page);
      expect(await page.evaluate<string>(PAGE_ID)).toBe(pageId); // swapped in place: no reload
      for (const model of last) {
        expect(model.history.at(-1), model.prompt).toEqual({ status: 'ready', placeholder: false });
        expect(model.history.at(0)?.status).toBe('pending');
      }
      // Textured models may show their untextured preview on the way (unless the final model overtook
      // it while it loaded); the untextured pine has no preview stage.
      for (const model of last) expect(model.history.map((entry) => entry.status).join(' > ')).toMatch(/^pending( > preview)? > ready$/);
      expect(last.find((model) => model.prompt.includes('pine'))!.history.map((entry) => entry.status)).toEqual(['pending', 'ready']);
      await page.waitForTimeout(300); // a few frames with the final models
      expect(await nonBackgroundFraction(await canvasScreenshot(page))).toBeGreaterThan(0.02);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server?.close();
    }
  }, 150_000);

  it('build + vite preview: every model loads (meshopt, WebP) and renders', async () => {
    let server: PreviewServer | undefined;
    const page = await browser!.newPage({ viewport: { width: 960, height: 540 } });
    const errors = pageErrors(page);
    const outDir = join(work, 'dist');
    try {
      await build({ configFile, root: playground, cacheDir: join(work, 'vite-build'), logLevel: 'warn', build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 4096 } });
      server = await preview({ configFile, root: playground, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.waitForFunction(allShown(`model.shown === 'ready'`), null, { timeout: 60_000, polling: 250 });
      for (const model of await models(page)) expect(model.history, model.prompt).toEqual([{ status: 'ready', placeholder: false }]);
      await page.waitForTimeout(300);
      expect(await nonBackgroundFraction(await canvasScreenshot(page))).toBeGreaterThan(0.02);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server?.close();
    }
  }, 150_000);
});
