import { describe, expect, it } from 'vitest';
import { resolvePluginOptions } from '../../src/project/options.js';
import { isTestRunner, resolveSettings } from '../../src/project/settings.js';

const options = resolvePluginOptions({});

describe('the default mode', () => {
  it('generates for a person, fails on misses on CI, and never spends under a test runner', () => {
    expect(resolveSettings(options, { env: {} }).mode).toBe('generate');
    expect(resolveSettings(options, { env: {}, ci: true }).mode).toBe('frozen');
    expect(resolveSettings(options, { env: {}, testRunner: true }).mode).toBe('offline');
    expect(resolveSettings(options, { env: {}, ci: true, testRunner: true }).mode).toBe('offline');
  });

  it('is what the options say when they say it', () => {
    expect(resolveSettings(resolvePluginOptions({ mode: 'generate' }), { env: {}, testRunner: true }).mode).toBe('generate');
  });

  it('knows Vitest by its VITEST variable', () => {
    expect(isTestRunner({ VITEST: 'true' })).toBe(true);
    expect(isTestRunner({})).toBe(false);
    expect(isTestRunner({ VITEST: 'false' })).toBe(false);
  });
});
