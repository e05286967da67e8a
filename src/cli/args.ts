import { parseArgs } from 'node:util';
import { MeshyPluginError } from '../errors.js';

/** A command line that cannot be run as written: the CLI prints it with a pointer to `--help` and exits 2. */
export class CliUsageError extends MeshyPluginError {
  constructor(message: string) {
    super('MESHY_CLI_USAGE', message);
  }
}

interface CommandInfo {
  /** `regenerate <name|id>`: the command and its positionals, as the usage shows them. */
  usage: string;
  /** The usage table's description, wrapped at the table's width. */
  summary: string[];
  /** How many positionals the command takes. */
  positionals: number;
  /** The command's own options, beside the common ones. */
  options: readonly CommandOption[];
}

type CommandOption = 'check' | 'concurrency' | 'dry-run' | 'apply';

const COMMANDS = {
  status: {
    usage: 'status',
    summary: [
      'each model the sources use: cached, pending, failed, missing or damaged',
      '(exit 1 for invalid imports or damaged models; with --check, also for',
      'any model that is not cached: a CI gate)',
    ],
    positionals: 0,
    options: ['check'],
  },
  prefetch: {
    usage: 'prefetch',
    summary: ['generate every missing model (prints the cost first); never a damaged one'],
    positionals: 0,
    options: ['concurrency', 'dry-run'],
  },
  regenerate: {
    usage: 'regenerate <name|id>',
    summary: ['a new roll of one model (a named model, or a meshy: import id): the', 'explicit way to pay again, e.g. for a model whose raw file is lost'],
    positionals: 1,
    options: [],
  },
  repair: {
    usage: 'repair',
    summary: ['rebuild a lost, unparsable or git-conflicted manifest.json from the', 'sidecars in raw/ (intact entries are kept; nothing is paid for)'],
    positionals: 0,
    options: [],
  },
  gc: {
    usage: 'gc',
    summary: ['list store entries no source uses any more (--apply removes them)'],
    positionals: 0,
    options: ['apply'],
  },
  push: {
    usage: 'push',
    summary: ['upload the models of the local store that the remote store lacks', '(remoteStore / MESHY_REMOTE_STORE; docs/remote-store.md)'],
    positionals: 0,
    options: [],
  },
  pull: {
    usage: 'pull',
    summary: ['download from the remote store what the sources use and the local', 'store lacks (a CI warm-up step); pays for nothing'],
    positionals: 0,
    options: [],
  },
  balance: {
    usage: 'balance',
    summary: ["the Meshy account's credits"],
    positionals: 0,
    options: [],
  },
} as const satisfies Record<string, CommandInfo>;

export type CommandName = keyof typeof COMMANDS;

const OPTION_HELP: Record<CommandOption, string> = {
  check: 'status: exit 1 unless every model is cached (missing, pending, failed, damaged or invalid)',
  concurrency: 'prefetch: Meshy tasks at once',
  'dry-run': 'prefetch: print what would be generated and stop',
  apply: 'gc: remove what is listed',
};

const OPTION_USAGE: Record<CommandOption, string> = { check: '--check', concurrency: '--concurrency <n>', 'dry-run': '--dry-run', apply: '--apply' };

const COMMON_OPTIONS_HELP = `  --root <dir>            project root (default: the current directory)
  --config <file>         Vite config file (default: vite.config.* in the root)
  --mode <mode>           Vite mode, for .env files (default: production)
  --debug                 print stack traces of errors (also DEBUG=vite-plugin-meshy)
  -h, --help              this help; \`<command> --help\`: the command's
  -v, --version           the version of vite-plugin-meshy`;

const column = (left: string, lines: readonly string[]) => lines.map((line, i) => `  ${(i === 0 ? left : '').padEnd(24)}${line}`).join('\n');

export const USAGE = `Usage: vite-plugin-meshy <command> [options]

Commands (they use the project's Vite config and its meshy() options):
${Object.values(COMMANDS)
  .map((command) => column(command.usage, command.summary))
  .join('\n')}
${column('help [command]', ["this help, or a command's"])}

Options:
${COMMON_OPTIONS_HELP}
${(Object.keys(OPTION_HELP) as CommandOption[]).map((option) => column(OPTION_USAGE[option], [OPTION_HELP[option]])).join('\n')}

Exit status: 0 done, 1 a problem with the project or its models, 2 a command line that cannot be run.
`;

/** `<command> --help`: its usage, what it does, and its options. */
export function commandHelp(name: CommandName): string {
  const command: CommandInfo = COMMANDS[name];
  const own = command.options.map((option) => column(OPTION_USAGE[option], [OPTION_HELP[option].replace(/^\w[\w-]*: /, '')]));
  return [
    `Usage: vite-plugin-meshy ${command.usage}${command.options.map((option) => ` [${OPTION_USAGE[option]}]`).join('')} [options]`,
    '',
    ...command.summary.map((line) => `  ${line}`),
    '',
    'Options:',
    ...own,
    COMMON_OPTIONS_HELP,
    '',
  ].join('\n');
}

/** What a command line asks for. */
export type CommandLine =
  | { kind: 'help'; text: string; exitCode: 0 }
  | { kind: 'version' }
  | {
      kind: 'run';
      command: CommandName;
      target: string | undefined;
      root: string | undefined;
      configFile: string | undefined;
      mode: string | undefined;
      debug: boolean;
      check: boolean;
      dryRun: boolean;
      apply: boolean;
      concurrency: number | undefined;
    };

/** Whether the command line asks for stack traces (`--debug`), however the rest of it parses. */
export function wantsDebug(argv: readonly string[]): boolean {
  return argv.includes('--debug');
}

/**
 * Parses `vite-plugin-meshy …`: a command, its positionals and options. Anything it does not take (an
 * unknown command or option, an option of another command, an extra positional) is a CliUsageError,
 * before any project is loaded.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: ReturnType<typeof parseAll>;
  try {
    parsed = parseAll(argv);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith('ERR_PARSE_ARGS_')) throw new CliUsageError(parseArgsMessage(error as Error));
    throw error;
  }
  const { values, positionals } = parsed;
  if (values.version) return { kind: 'version' };
  const [first, ...rest] = positionals;
  if (first === 'help') {
    if (rest.length > 1) throw new CliUsageError(`help takes at most one command; got ${rest.map((arg) => `"${arg}"`).join(' ')}`);
    return { kind: 'help', text: rest[0] === undefined ? USAGE : commandHelp(commandNamed(rest[0])), exitCode: 0 };
  }
  if (first === undefined) {
    if (values.help) return { kind: 'help', text: USAGE, exitCode: 0 };
    throw new CliUsageError('no command given');
  }
  const command = commandNamed(first);
  if (values.help) return { kind: 'help', text: commandHelp(command), exitCode: 0 };
  const info: CommandInfo = COMMANDS[command];
  if (rest.length > info.positionals) {
    const extra = rest.slice(info.positionals);
    throw new CliUsageError(
      `${command} takes ${info.positionals === 0 ? 'no arguments' : `${info.positionals} argument`}; unexpected ${extra.map((arg) => `"${arg}"`).join(' ')}`,
    );
  }
  if (rest.length < info.positionals) throw new CliUsageError(`${command} needs an argument: ${info.usage}`);
  for (const option of Object.keys(OPTION_HELP) as CommandOption[]) {
    if (values[option] !== undefined && !(info.options as readonly CommandOption[]).includes(option)) {
      throw new CliUsageError(`${command} does not take --${option} (${OPTION_HELP[option]})`);
    }
  }
  return {
    kind: 'run',
    command,
    target: rest[0],
    root: values.root,
    configFile: values.config,
    mode: values.mode,
    debug: values.debug ?? false,
    check: values.check ?? false,
    dryRun: values['dry-run'] ?? false,
    apply: values.apply ?? false,
    concurrency: parseConcurrency(values.concurrency),
  };
}

function parseAll(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      root: { type: 'string' },
      config: { type: 'string' },
      mode: { type: 'string' },
      debug: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      check: { type: 'boolean' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      apply: { type: 'boolean' },
    },
  });
}

function commandNamed(name: string): CommandName {
  if (Object.hasOwn(COMMANDS, name)) return name as CommandName;
  throw new CliUsageError(`unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')}, help)`);
}

function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const concurrency = Number(value);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new CliUsageError(`--concurrency takes a whole number ≥ 1; got "${value}"`);
  return concurrency;
}

/** Node's parseArgs messages, without its advice about `--` (no command takes a positional starting with `-`). */
function parseArgsMessage(error: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(error.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  return error.message.replace(/\. To specify a positional argument.*$/s, '');
}
