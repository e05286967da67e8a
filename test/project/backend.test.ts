import { describe, expect, it } from 'vitest';
import { createProject } from '../../src/project/index.js';
import { resolvePluginOptions } from '../../src/project/options.js';
import { chooseBackend, resolveSettings } from '../../src/project/settings.js';

const auto = resolvePluginOptions({});
const KEY = 'msy_backend_test_key_0001';

describe("emulator: 'auto' (the default)", () => {
  it('takes the real API whenever a key is set: in the options, the environment or a .env file', () => {
    for (const command of ['build', 'serve'] as const) {
      expect(resolveSettings(auto, { env: { MESHY_API_KEY: KEY }, command })).toMatchObject({ backend: 'meshy', usesEmulator: false, namespace: 'meshy' });
      expect(resolveSettings(resolvePluginOptions({ apiKey: KEY }), { env: {}, command }).backend).toBe('meshy');
    }
  });

  it('without a key: the emulator in a dev server, labelled as its default; nothing in a build or the CLI', () => {
    expect(resolveSettings(auto, { env: {}, command: 'serve' })).toMatchObject({
      backend: 'emulator',
      usesEmulator: true,
      emulatorByDefault: true,
      namespace: 'emulator',
      apiKey: 'msy_emulator',
    });
    expect(resolveSettings(auto, { env: {}, command: 'build' })).toMatchObject({ backend: 'none', usesEmulator: false, namespace: 'meshy', apiKey: undefined });
    expect(resolveSettings(auto, { env: {} }).backend).toBe('none');
  });

  it("without a key, a dev server reads the real API's namespace first and writes only the emulator's", () => {
    expect(resolveSettings(auto, { env: {}, command: 'serve' })).toMatchObject({ namespace: 'emulator', readNamespaces: ['meshy', 'emulator'] });
    // The namespace a key would use follows apiBase and cacheNamespace; the emulator never writes there.
    expect(resolveSettings(resolvePluginOptions({ apiBase: 'https://meshy.example.test' }), { env: {}, command: 'serve' })).toMatchObject({
      namespace: 'emulator',
      readNamespaces: ['custom:meshy.example.test', 'emulator'],
    });
    expect(resolveSettings(resolvePluginOptions({ cacheNamespace: 'team' }), { env: {}, command: 'serve' })).toMatchObject({
      namespace: 'emulator',
      readNamespaces: ['team', 'emulator'],
    });
    // With a key, in a build, or with the emulator asked for: one namespace, read and written.
    expect(resolveSettings(auto, { env: { MESHY_API_KEY: KEY }, command: 'serve' }).readNamespaces).toEqual(['meshy']);
    expect(resolveSettings(auto, { env: {}, command: 'build' }).readNamespaces).toEqual(['meshy']);
    expect(resolveSettings(resolvePluginOptions({ emulator: true }), { env: {}, command: 'serve' }).readNamespaces).toEqual(['emulator']);
  });

  it('a dev server that generates nothing reads the real API cache: offline under a test runner, frozen on CI', () => {
    expect(resolveSettings(auto, { env: {}, command: 'serve', testRunner: true })).toMatchObject({ backend: 'none', mode: 'offline', namespace: 'meshy' });
    expect(resolveSettings(auto, { env: {}, command: 'serve', ci: true })).toMatchObject({ backend: 'none', mode: 'frozen', namespace: 'meshy' });
  });

  it('`emulator: true`, its options and `false` keep their meaning', () => {
    for (const emulator of [true, { taskDurationMs: 100 }] as const) {
      const options = resolvePluginOptions({ emulator });
      for (const command of ['build', 'serve'] as const) {
        expect(resolveSettings(options, { env: {}, command })).toMatchObject({ backend: 'emulator', emulatorByDefault: false, namespace: 'emulator' });
      }
    }
    const never = resolvePluginOptions({ emulator: false });
    expect(resolveSettings(never, { env: {}, command: 'serve' }).backend).toBe('none');
    expect(resolveSettings(never, { env: { MESHY_API_KEY: KEY }, command: 'serve' }).backend).toBe('meshy');
    expect(chooseBackend(false, { hasKey: false, command: 'serve', mode: 'generate' })).toBe('none');
  });

  it("a project made by Vite's dev server takes the key Vite read from .env", () => {
    const quiet = { info() {}, warn() {}, error() {} };
    expect(
      createProject({}, { root: '/tmp', command: 'serve', env: { MESHY_API_KEY: KEY }, logSink: quiet, testRunner: false, ci: false }).settings.backend,
    ).toBe('meshy');
    expect(createProject({}, { root: '/tmp', command: 'serve', env: {}, logSink: quiet, testRunner: false, ci: false }).settings.backend).toBe('emulator');
  });
});

describe('confirmCredits', () => {
  it('is 100 unless the option or MESHY_CONFIRM_CREDITS says otherwise', () => {
    expect(resolveSettings(auto, { env: {} }).confirmCredits).toBe(100);
    expect(resolveSettings(auto, { env: { MESHY_CONFIRM_CREDITS: '250' } }).confirmCredits).toBe(250);
    expect(resolveSettings(resolvePluginOptions({ confirmCredits: 40 }), { env: { MESHY_CONFIRM_CREDITS: '250' } }).confirmCredits).toBe(40);
    expect(() => resolveSettings(auto, { env: { MESHY_CONFIRM_CREDITS: 'lots' } })).toThrow(/MESHY_CONFIRM_CREDITS must be a whole number/);
  });

  it('a question is only asked at a terminal, never on CI or under a test runner', () => {
    expect(resolveSettings(auto, { env: {}, interactive: true }).interactive).toBe(true);
    expect(resolveSettings(auto, { env: {}, interactive: true, ci: true }).interactive).toBe(false);
    expect(resolveSettings(auto, { env: {}, interactive: true, testRunner: true }).interactive).toBe(false);
    expect(resolveSettings(auto, { env: {} }).interactive).toBe(false);
  });
});
