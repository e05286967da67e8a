import { describe, expect, it } from 'vitest';
import { CliUsageError, commandHelp, parseCommandLine, USAGE } from '../../src/cli/args.js';

const usageError = (argv: string[]) => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as Error).message;
  }
  throw new Error(`${argv.join(' ')} parsed`);
};

describe('the command line', () => {
  it('runs a command with its own options and the common ones', () => {
    expect(parseCommandLine(['status', '--check', '--root', 'app', '--mode', 'staging'])).toMatchObject({
      kind: 'run',
      command: 'status',
      check: true,
      root: 'app',
      mode: 'staging',
      debug: false,
    });
    expect(parseCommandLine(['prefetch', '--concurrency', '3', '--dry-run', '--debug'])).toMatchObject({
      command: 'prefetch',
      concurrency: 3,
      dryRun: true,
      debug: true,
    });
    expect(parseCommandLine(['regenerate', 'hero'])).toMatchObject({ command: 'regenerate', target: 'hero' });
    expect(parseCommandLine(['gc', '--apply'])).toMatchObject({ command: 'gc', apply: true });
  });

  it('answers --version, help and <command> --help', () => {
    expect(parseCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['-v'])).toEqual({ kind: 'version' });
    expect(parseCommandLine(['help'])).toEqual({ kind: 'help', text: USAGE, exitCode: 0 });
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help', text: USAGE, exitCode: 0 });
    expect(parseCommandLine(['help', 'gc'])).toEqual({ kind: 'help', text: commandHelp('gc'), exitCode: 0 });
    expect(parseCommandLine(['status', '--help'])).toEqual({ kind: 'help', text: commandHelp('status'), exitCode: 0 });
    expect(commandHelp('status')).toMatch(/^Usage: vite-plugin-meshy status \[--check\] \[options\]\n[\s\S]*--check {17}exit 1 unless every model is cached/);
    expect(USAGE).toMatch(/^ {2}help \[command\] {10}this help, or a command's$/m);
    expect(USAGE).toMatch(/^ {2}-v, --version {11}the version of vite-plugin-meshy$/m);
  });

  it('rejects what it does not take: unknown commands and options, options of other commands, extra arguments', () => {
    expect(usageError([])).toBe('no command given');
    expect(usageError(['frobnicate'])).toBe('unknown command "frobnicate" (commands: status, prefetch, regenerate, repair, gc, push, pull, balance, help)');
    expect(usageError(['status', '--frob'])).toBe('unknown option --frob');
    expect(usageError(['status', 'extra', 'args'])).toBe('status takes no arguments; unexpected "extra" "args"');
    expect(usageError(['regenerate', 'hero', 'villain'])).toBe('regenerate takes 1 argument; unexpected "villain"');
    expect(usageError(['regenerate'])).toBe('regenerate needs an argument: regenerate <name|id>');
    expect(usageError(['status', '--apply'])).toMatch(/^status does not take --apply \(gc: remove what is listed\)$/);
    expect(usageError(['gc', '--check'])).toMatch(/^gc does not take --check/);
    expect(usageError(['prefetch', '--concurrency', '0'])).toBe('--concurrency takes a whole number ≥ 1; got "0"');
    expect(usageError(['status', '--root'])).toBe("Option '--root <value>' argument missing");
    expect(usageError(['help', 'frob'])).toMatch(/^unknown command "frob"/);
  });
});
