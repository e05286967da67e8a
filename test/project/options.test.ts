import { describe, expect, it } from 'vitest';
import { TEST_MODE_API_KEY } from '../../src/emulator/index.js';
import { cacheNamespaceFor, newDeprecationWarnings, resolvePluginOptions } from '../../src/project/options.js';

describe('plugin options', () => {
  it('applies defaults', () => {
    expect(resolvePluginOptions(undefined)).toMatchObject({
      storeDir: '.meshy',
      concurrency: 10,
      optimize: { preset: 'web' },
      emulator: 'auto',
      stream: true,
    });
  });

  it('rejects unknown and invalid options with their names', () => {
    expect(() => resolvePluginOptions({ concurency: 3 })).toThrow(/Unrecognized key: "concurency"/);
    expect(() => resolvePluginOptions({ concurrency: 0 })).toThrow(/concurrency/);
    expect(() => resolvePluginOptions({ mode: 'lazy' })).toThrow(/mode/);
    expect(() => resolvePluginOptions({ apiBase: 'ftp://x' })).toThrow(/apiBase/);
  });

  it('keeps caches of the real API, its test mode, the emulator and other hosts apart', () => {
    const spaces = new Set([
      cacheNamespaceFor('https://api.meshy.ai', 'msy_x', false),
      cacheNamespaceFor('https://api.meshy.ai', TEST_MODE_API_KEY, false),
      cacheNamespaceFor('https://api.meshy.ai', undefined, true),
      cacheNamespaceFor('http://127.0.0.1:4000', 'msy_x', false),
    ]);
    expect(spaces.size).toBe(4);
    // The port is not part of it: an emulator on another port is the same backend.
    expect(cacheNamespaceFor('http://127.0.0.1:4000', 'k', false)).toBe(cacheNamespaceFor('http://127.0.0.1:5000', 'k', false));
  });

  it('takes cacheDir as the deprecated name of storeDir, with a notice once per process', () => {
    expect(resolvePluginOptions({ storeDir: 'models' }).storeDir).toBe('models');
    expect(resolvePluginOptions({ cacheDir: 'models' }).storeDir).toBe('models');
    expect(resolvePluginOptions({ cacheDir: 'models' })).not.toHaveProperty('cacheDir');
    expect(resolvePluginOptions({ storeDir: 'models', cacheDir: 'models' }).storeDir).toBe('models');
    expect(() => resolvePluginOptions({ storeDir: 'models', cacheDir: '.meshy' })).toThrow(
      'Invalid vite-plugin-meshy options: storeDir ("models") and cacheDir (".meshy", its deprecated name) disagree. Keep storeDir only.',
    );
    expect(newDeprecationWarnings({ storeDir: 'models' })).toEqual([]);
    expect(newDeprecationWarnings({ cacheDir: 'models' })).toEqual([expect.stringMatching(/^the option `cacheDir` is deprecated: rename it to `storeDir`/)]);
    expect(newDeprecationWarnings({ cacheDir: 'other' })).toEqual([]);
  });
});
