import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../src/emulator/cli.js';
import { emulatorOptionsSchema, startEmulator } from '../../src/emulator/index.js';

describe('emulator options', () => {
  it('fills in defaults from the schema', () => {
    expect(emulatorOptionsSchema.parse({})).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      apiKeys: [],
      taskDurationMs: 2000,
      profile: 'small',
      balance: 10_000,
      rateLimitPerSecond: 20,
      queueLimit: 10,
      retentionMs: 3 * 24 * 3600 * 1000,
    });
  });

  it('refuses unknown or invalid options with a readable message', async () => {
    await expect(startEmulator({ profile: 'huge' } as never)).rejects.toThrow(/Invalid emulator options: profile/);
    await expect(startEmulator({ taskDuration: 5 } as never)).rejects.toThrow(/taskDuration/);
    await expect(startEmulator({ now: 5 } as never)).rejects.toThrow(/now must be a function/);
  });

  it('listens on a random port by default and closes twice without error', async () => {
    const emulator = await startEmulator();
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    expect(emulator.port).toBeGreaterThan(0);
    await emulator.close();
    await emulator.close();
  });
});

describe('meshy-emulator CLI arguments', () => {
  it('maps flags to options, leaving unset ones to the defaults', () => {
    expect(
      parseCliArgs(['--port', '8787', '--host', '0.0.0.0', '--profile', 'large', '--task-duration', '2000', '--api-key', 'msy_a', '--api-key', 'msy_b']),
    ).toEqual({
      help: false,
      quiet: false,
      options: { port: 8787, host: '0.0.0.0', profile: 'large', taskDurationMs: 2000, apiKeys: ['msy_a', 'msy_b'] },
    });
    expect(parseCliArgs(['--quiet'])).toEqual({ help: false, quiet: true, options: { port: 8787, profile: 'standard', apiKeys: ['msy_emulator'] } });
    expect(parseCliArgs(['-h'])).toEqual({ help: true });
  });

  it('refuses bad numbers and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'eighty'])).toThrow(/--port must be a whole number/);
    expect(() => parseCliArgs(['--colour', 'red'])).toThrow(/colour/);
  });
});
