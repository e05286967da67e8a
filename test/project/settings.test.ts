import { describe, expect, it } from 'vitest';
import { isTestRunner } from '../../src/project/environment.js';
import { createProject } from '../../src/project/index.js';
import { resolvePluginOptions } from '../../src/project/options.js';
import { resolveSettings } from '../../src/project/settings.js';

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

describe('secrets in the API base (issue 10)', () => {
  it('masks the credentials of the API base user-info wherever the key is masked', () => {
    const settings = resolveSettings(resolvePluginOptions({ apiKey: 'msy_the_api_key' }), {
      env: { MESHY_API_BASE: 'https://user:msy_base_secret@proxy.example.com' },
    });
    expect(settings.secrets).toEqual(['msy_the_api_key', 'msy_base_secret']);
    const project = createProject({}, { root: '/tmp', env: { MESHY_API_KEY: 'msy_the_api_key', MESHY_API_BASE: 'https://msy_the_api_key@proxy.example.com' } });
    expect(project.log.redact('GET https://msy_the_api_key@proxy.example.com failed')).toBe('GET https://msy_***@proxy.example.com failed');
    const lines: string[] = [];
    const sink = { info: (line: string) => lines.push(line), warn: () => {}, error: () => {} };
    createProject({ apiBase: 'https://user:msy_base_secret@proxy.example.com' }, { root: '/tmp', logSink: sink }).log.info('at msy_base_secret');
    expect(lines).toEqual([expect.stringMatching(/at msy_\*\*\*$/)]);
  });

  it('bounds downloads at 1 GiB unless told otherwise', () => {
    expect(options.maxDownloadBytes).toBe(1024 ** 3);
    expect(resolvePluginOptions({ maxDownloadBytes: 5_000_000 }).maxDownloadBytes).toBe(5_000_000);
    expect(() => resolvePluginOptions({ maxDownloadBytes: 0 })).toThrow(/maxDownloadBytes/);
  });
});
