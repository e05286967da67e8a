import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { build, createServer, type PreviewServer, preview, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from '../helpers/dist.js';
import { launchChromium, nonBackgroundFraction, pageErrors, withoutChromium } from './chromium.js';

const playground = join(import.meta.dirname, '../../playground');
const configFile = join(playground, 'vite.config.ts');

interface ShownModel {
  name: string;
  kind: string;
  prompt: string;
  status: string;
  shown: string;
  history: { status: string; placeholder: boolean }[];
  animations: string[];
  textures: { mimeType: string; compressed: boolean; width: number }[];
}
interface PlayingClip {
  name: string;
  clip: string;
  /** The mixer's clock, in seconds. */
  time: number;
  /** Where the clip playing is in its loop, in seconds. */
  clipTime: number;
  /** Rotations of the first bones, rounded. */
  pose: string;
}
// Page functions are strings: this project's tsconfig has no DOM types. `__meshyPlayground` is main.ts's hook.
const MODELS = 'window.__meshyPlayground ? window.__meshyPlayground.models() : []';
const PLAYING = 'window.__meshyPlayground ? window.__meshyPlayground.playing() : []';
const PAGE_ID = 'window.__meshyPlayground.pageId';
/** playground/main.ts: helmet, chest, pine (meshy:prompt), toadstool (meshy:image), hero (meshy:hero, rigged). */
const MODEL_NAMES = ['helmet', 'chest', 'pine', 'toadstool', 'hero'];
const allShown = (what: string) => `(${MODELS}).length === ${MODEL_NAMES.length} && (${MODELS}).every((model) => ${what})`;
const HIDE_HTML = `for (const element of document.querySelectorAll('#panel, #meshy-overlay, .labels')) element.style.visibility = 'hidden'`;

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

async function playing(page: Page): Promise<PlayingClip[]> {
  return page.evaluate<PlayingClip[]>(PLAYING);
}

/**
 * The rigged hero plays its Text to Motion clip `shamble` (the mixer's clock advances and the bones
 * move), then its library clip `idle`: one loop each, in turn.
 */
async function expectHeroAnimated(page: Page): Promise<void> {
  const hero = `(${PLAYING}).find((clip) => clip.name === 'hero')`;
  // A moment of `shamble` with over a second of its 3 s loop left.
  await page.waitForFunction(`${hero}?.clip === 'shamble' && ${hero}.clipTime > 0.1 && ${hero}.clipTime < 1.6`, null, { timeout: 30_000, polling: 50 });
  const [before] = (await playing(page)).filter((clip) => clip.name === 'hero');
  await page.waitForTimeout(400);
  const [after] = (await playing(page)).filter((clip) => clip.name === 'hero');
  expect(after!.clip).toBe('shamble');
  expect(after!.time).toBeGreaterThan(before!.time);
  expect(after!.pose).not.toBe('');
  expect(after!.pose).not.toBe(before!.pose);
  // Then the library clip takes over.
  await page.waitForFunction(`${hero}?.clip === 'idle'`, null, { timeout: 10_000, polling: 50 });
  const model = (await models(page)).find((shown) => shown.name === 'hero')!;
  expect(model).toMatchObject({ kind: 'prompt', animations: ['idle', 'shamble'] });
}

/** Hides the HTML on top of the canvas, so that a screenshot shows only what WebGL drew. */
async function canvasScreenshot(page: Page): Promise<Uint8Array> {
  await page.evaluate(HIDE_HTML);
  return page.locator('canvas').screenshot();
}

describe.skipIf(withoutChromium())('the playground in a real browser', () => {
  it('dev: shows placeholders at once, then swaps in the generated models without a reload (the hero shambles, then idles)', async () => {
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
      expect(first.map((model) => model.name)).toEqual(MODEL_NAMES);
      // Nothing was cached: every model answered with the placeholder box, marked pending.
      for (const model of first) expect(model.history[0], model.name).toEqual({ status: 'pending', placeholder: true });
      expect(await page.locator('#meshy-overlay').count()).toBe(1);

      await page.waitForFunction(allShown(`model.shown === 'ready'`), null, { timeout: 90_000, polling: 250 });
      const last = await models(page);
      expect(await page.evaluate<string>(PAGE_ID)).toBe(pageId); // swapped in place: no reload
      for (const model of last) {
        expect(model.history.at(-1), model.name).toEqual({ status: 'ready', placeholder: false });
        expect(model.history.at(0)?.status).toBe('pending');
      }
      // Textured text-to-3D models (the hero too) may show their untextured preview on the way (unless
      // the final model overtook it while it loaded); the untextured pine and image-to-3D have no preview stage.
      for (const model of last) expect(model.history.map((entry) => entry.status).join(' > '), model.name).toMatch(/^pending( > preview)? > ready$/);
      for (const name of ['pine', 'toadstool'])
        expect(
          last.find((model) => model.name === name)!.history.map((entry) => entry.status),
          name,
        ).toEqual(['pending', 'ready']);
      // The hero was swapped twice or three times; the mixer made for the final model plays its clips.
      await expectHeroAnimated(page);
      await page.waitForTimeout(300); // a few frames with the final models
      expect(await nonBackgroundFraction(await canvasScreenshot(page))).toBeGreaterThan(0.02);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server?.close();
    }
  }, 150_000);

  it('build + vite preview: every model loads (meshopt, WebP, KTX2), the rigged hero plays its motion and library clips, and the page renders', async () => {
    let server: PreviewServer | undefined;
    const page = await browser!.newPage({ viewport: { width: 960, height: 540 } });
    const errors = pageErrors(page);
    const outDir = join(work, 'dist');
    try {
      await build({
        configFile,
        root: playground,
        cacheDir: join(work, 'vite-build'),
        logLevel: 'warn',
        build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 4096 },
      });
      server = await preview({ configFile, root: playground, logLevel: 'warn', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
      await page.goto(server.resolvedUrls!.local[0]!);
      await page.waitForFunction(allShown(`model.shown === 'ready'`), null, { timeout: 60_000, polling: 250 });
      const shown = await models(page);
      expect(shown.map((model) => model.name)).toEqual(MODEL_NAMES);
      for (const model of shown) expect(model.history, model.name).toEqual([{ status: 'ready', placeholder: false }]);
      expect(shown.find((model) => model.name === 'toadstool')!.kind).toBe('image');
      // The chest's PBR maps are KTX2, transcoded by three's KTX2Loader (the transcoder copied to dist/basis/).
      const chest = shown.find((model) => model.name === 'chest')!;
      expect(chest.textures.length).toBeGreaterThanOrEqual(1);
      // Transcoded to a block-compressed format the GPU keeps as is (SwiftShader offers BC and ETC2).
      for (const texture of chest.textures) expect(texture).toMatchObject({ mimeType: 'image/ktx2', compressed: true });
      expect(chest.textures.every((texture) => texture.width > 0)).toBe(true);
      expect(shown.find((model) => model.name === 'helmet')!.textures.every((texture) => texture.mimeType === 'image/webp')).toBe(true);
      await expectHeroAnimated(page);
      await page.waitForTimeout(300);
      expect(await nonBackgroundFraction(await canvasScreenshot(page))).toBeGreaterThan(0.02);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server?.close();
    }
  }, 150_000);
});
