/** Where Chromium or Chrome usually is, after `CHROMIUM_PATH`: Debian, Ubuntu, Fedora, snaps, macOS. */
export const CHROMIUM_PLACES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;

/** The browser the browser tests drive, or why there is none and whether that fails the run. */
export type ChromiumLookup = { path: string } | { path?: undefined; problem: string; required: boolean };

const INSTALL = 'install it (Debian, Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable';

/**
 * `CHROMIUM_PATH` when set (a wrong one is an error: it was asked for), else the first of
 * CHROMIUM_PLACES that exists. Without one the browser tests are skipped on a person's machine, and
 * fail on CI (`CI` set): a CI run that skipped them would pass without testing the browser.
 */
export function findChromium(env: Readonly<Record<string, string | undefined>>, exists: (path: string) => boolean): ChromiumLookup {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) return exists(chosen) ? { path: chosen } : { problem: `CHROMIUM_PATH=${chosen} does not exist: ${INSTALL}`, required: true };
  const found = CHROMIUM_PLACES.find((place) => exists(place));
  if (found) return { path: found };
  const ci = !!env.CI && env.CI !== 'false';
  return {
    problem: `no Chromium in ${CHROMIUM_PLACES.slice(0, 3).join(', ')} or the other usual places: ${INSTALL}${ci ? ' (CI is set: the browser tests must run)' : ''}`,
    required: ci,
  };
}
