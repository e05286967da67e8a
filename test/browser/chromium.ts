import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { findChromium } from './find-chromium.js';

/** Debian's chromium (`.ci/run` installs it when missing), another usual one, or CHROMIUM_PATH. */
const CHROMIUM = findChromium(process.env, existsSync);

/**
 * For `describe.skipIf`: whether this machine cannot run the browser tests (no Chromium, outside CI),
 * after one line saying how to install it. On CI a missing Chromium is not skipped: it fails the launch.
 */
export function withoutChromium(): boolean {
  if (CHROMIUM.path !== undefined || CHROMIUM.required) return false;
  console.warn(`browser tests skipped: ${CHROMIUM.problem}`);
  return true;
}

/**
 * Headless chromium without a GPU: WebGL through SwiftShader, nothing phoning home. Playwright gives
 * each launch a fresh temporary profile (its own --user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (CHROMIUM.path === undefined) throw new Error(`The browser tests need Chromium: ${CHROMIUM.problem}`);
  return chromium.launch({
    executablePath: CHROMIUM.path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Collects the page's console errors and uncaught exceptions, for assertions and failure messages. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/**
 * How much of a screenshot differs from its most common colour (the background): a blank or
 * single-colour frame is ~0, a frame with rendered models is well above.
 */
export async function nonBackgroundFraction(png: Uint8Array): Promise<number> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i += 3) {
    const colour = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
    counts.set(colour, (counts.get(colour) ?? 0) + 1);
  }
  const background = Math.max(...counts.values());
  return 1 - background / pixels;
}
