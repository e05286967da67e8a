import { describe, expect, it } from 'vitest';
import { CHROMIUM_PLACES, findChromium } from './find-chromium.js';

/** A file system that has only these files. */
const only =
  (...files: string[]) =>
  (path: string) =>
    files.includes(path);

describe('finding Chromium for the browser tests (no browser is started)', () => {
  it('takes CHROMIUM_PATH first, then the usual places in order', () => {
    expect(findChromium({ CHROMIUM_PATH: '/opt/chrome/chrome' }, only('/opt/chrome/chrome', '/usr/bin/chromium'))).toEqual({ path: '/opt/chrome/chrome' });
    expect(findChromium({}, only('/usr/bin/chromium', '/usr/bin/google-chrome'))).toEqual({ path: '/usr/bin/chromium' });
    expect(findChromium({}, only('/usr/bin/chromium-browser'))).toEqual({ path: '/usr/bin/chromium-browser' });
    expect(findChromium({ CHROMIUM_PATH: '' }, only('/usr/bin/google-chrome'))).toEqual({ path: '/usr/bin/google-chrome' });
    for (const place of CHROMIUM_PLACES) expect(findChromium({}, only(place))).toEqual({ path: place });
  });

  it('without one: skipped outside CI with how to install it, required on CI', () => {
    const none = only();
    const here = findChromium({}, none);
    expect(here).toMatchObject({ required: false });
    expect(here.path).toBeUndefined();
    expect(here.path === undefined && here.problem).toMatch(/^no Chromium in \/usr\/bin\/chromium, .*apt-get install chromium.*CHROMIUM_PATH/);
    expect(findChromium({ CI: 'true' }, none)).toMatchObject({ required: true, problem: expect.stringMatching(/CI is set: the browser tests must run/) });
    expect(findChromium({ CI: 'false' }, none)).toMatchObject({ required: false });
    // A CHROMIUM_PATH that is wrong was asked for: an error, not a skip.
    expect(findChromium({ CHROMIUM_PATH: '/nope/chrome' }, only('/usr/bin/chromium'))).toEqual({
      problem: expect.stringMatching(/^CHROMIUM_PATH=\/nope\/chrome does not exist/),
      required: true,
    });
  });
});
