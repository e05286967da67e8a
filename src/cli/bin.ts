#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { MeshyPluginError } from '../errors.js';
import { balance, gc, prefetch, regenerate, repair, status } from './commands.js';
import { loadProject } from './load.js';

const USAGE = `Usage: vite-plugin-meshy <command> [options]

Commands (they use the project's Vite config and its meshy() options):
  status                  each model the sources use: cached, pending, failed, missing or damaged
  prefetch                generate every missing model (prints the cost first); never a damaged one
  regenerate <name|id>    a new roll of one model (a named model, or a meshy: import id): the
                          explicit way to pay again, e.g. for a model whose raw file is lost
  repair                  rebuild a lost, unparsable or git-conflicted manifest.json from the
                          sidecars in raw/ (intact entries are kept; nothing is paid for)
  gc                      list store entries no source uses any more (--apply removes them)
  balance                 the Meshy account's credits

Options:
  --root <dir>            project root (default: the current directory)
  --config <file>         Vite config file (default: vite.config.* in the root)
  --mode <mode>           Vite mode, for .env files (default: production)
  --concurrency <n>       prefetch: Meshy tasks at once
  --dry-run               prefetch: print what would be generated and stop
  --apply                 gc: remove what is listed
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      root: { type: 'string' },
      config: { type: 'string' },
      mode: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      apply: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, target] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 1;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1))
    throw new MeshyPluginError('MESHY_CLI_USAGE', '--concurrency takes a whole number ≥ 1');
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const project = await loadProject({ root: values.root ?? process.cwd(), configFile: values.config, mode: values.mode ?? 'production' });
  try {
    switch (command) {
      case 'status':
        return await status(project, print);
      case 'prefetch':
        return await prefetch(project, print, {
          dryRun: values['dry-run'] ?? false,
          interactive: process.stdout.isTTY === true,
          ...(concurrency ? { concurrency } : {}),
        });
      case 'regenerate':
        if (!target) throw new MeshyPluginError('MESHY_CLI_USAGE', 'regenerate needs a model: a named model or a meshy: import id');
        return await regenerate(project, print, target);
      case 'repair':
        return await repair(project, print);
      case 'gc':
        return await gc(project, print, { apply: values.apply ?? false });
      case 'balance':
        return await balance(project, print);
      default:
        throw new MeshyPluginError('MESHY_CLI_USAGE', `unknown command "${command}"\n\n${USAGE}`);
    }
  } finally {
    await project.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`vite-plugin-meshy: ${error.message}\n`);
    process.exit(1);
  },
);
