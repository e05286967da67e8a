import { parseArgs } from 'node:util';
import { TEST_MODE_API_KEY } from '../meshy/api.js';
import type { EmulatorOptions } from './options.js';

/** The key the CLI accepts when none is given: the one the Vite plugin uses with its emulator. */
const DEFAULT_CLI_API_KEY = 'msy_emulator';

export const CLI_HELP = `Usage: meshy-emulator [options]

A local server that speaks Meshy's REST API (text/image/multi-image to 3D, remesh, retexture,
rigging, animation, text/image to image, balance) and serves procedural GLBs and PNGs.

Options:
  --port <n>            port to listen on (default 8787; 0 = any free port)
  --host <host>         interface to bind (default 127.0.0.1)
  --profile <name>      small | standard | large: size of the generated models (default standard)
  --task-duration <ms>  time a task spends IN_PROGRESS (default 2000)
  --queue-delay <ms>    time a task spends PENDING (default 10% of the task duration)
  --api-key <key>       accepted API key, repeatable (default ${DEFAULT_CLI_API_KEY});
                        ${TEST_MODE_API_KEY} always works
  --balance <credits>   credits of the account (default 10000)
  --rate-limit <n>      requests per second (default 20)
  --queue-limit <n>     tasks PENDING or IN_PROGRESS at once (default 10)
  --quiet               do not log requests
  -h, --help            show this help
`;

export type CliCommand = { help: true } | { help: false; quiet: boolean; options: EmulatorOptions };

/** Turns `meshy-emulator` arguments into emulator options; throws a readable error on bad input. */
export function parseCliArgs(argv: string[]): CliCommand {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      profile: { type: 'string' },
      'task-duration': { type: 'string' },
      'queue-delay': { type: 'string' },
      'api-key': { type: 'string', multiple: true },
      balance: { type: 'string' },
      'rate-limit': { type: 'string' },
      'queue-limit': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const integer = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text)) throw new TypeError(`--${name} must be a whole number (got "${text}")`);
    return Number(text);
  };
  const options: EmulatorOptions = {
    port: integer('port', values.port) ?? 8787,
    host: values.host,
    profile: (values.profile ?? 'standard') as EmulatorOptions['profile'],
    taskDurationMs: integer('task-duration', values['task-duration']),
    queueDelayMs: integer('queue-delay', values['queue-delay']),
    apiKeys: values['api-key'] ?? [DEFAULT_CLI_API_KEY],
    balance: integer('balance', values.balance),
    rateLimitPerSecond: integer('rate-limit', values['rate-limit']),
    queueLimit: integer('queue-limit', values['queue-limit']),
  };
  // Leave unset options out so the emulator's defaults apply.
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as EmulatorOptions;
  return { help: false, quiet: values.quiet ?? false, options: defined };
}
