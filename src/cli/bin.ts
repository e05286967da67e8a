#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { isDebugEnabled } from '../errors.js';
import { CliUsageError, type CommandLine, parseCommandLine, wantsDebug } from './args.js';
import { balance, gc, prefetch, regenerate, repair, status } from './commands.js';
import { loadProject } from './load.js';
import { pull, push } from './remote.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if (line.kind === 'version') {
    print(await packageVersion());
    return 0;
  }
  if (line.kind === 'help') {
    process.stdout.write(line.text);
    return line.exitCode;
  }
  const project = await loadProject({ root: line.root ?? process.cwd(), configFile: line.configFile, mode: line.mode ?? 'production' });
  try {
    return await run(line, project);
  } finally {
    await project.close();
  }
}

function run(line: Extract<CommandLine, { kind: 'run' }>, project: Awaited<ReturnType<typeof loadProject>>): Promise<number> {
  switch (line.command) {
    case 'status':
      return status(project, print, { check: line.check });
    case 'prefetch':
      return prefetch(project, print, {
        dryRun: line.dryRun,
        interactive: process.stdout.isTTY === true,
        ...(line.concurrency ? { concurrency: line.concurrency } : {}),
      });
    case 'regenerate':
      return regenerate(project, print, line.target!);
    case 'repair':
      return repair(project, print);
    case 'gc':
      return gc(project, print, { apply: line.apply });
    case 'push':
      return push(project, print);
    case 'pull':
      return pull(project, print);
    case 'balance':
      return balance(project, print);
  }
}

/** The version of the installed package: package.json sits two folders up from src/cli and dist/cli alike. */
async function packageVersion(): Promise<string> {
  const json = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return json.version;
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => process.exit(code),
  (error: Error) => {
    if (error instanceof CliUsageError) {
      process.stderr.write(`vite-plugin-meshy: ${error.message}\nRun \`vite-plugin-meshy --help\` for the commands and their options.\n`);
      process.exit(2);
    }
    const debug = wantsDebug(argv) || isDebugEnabled();
    process.stderr.write(`vite-plugin-meshy: ${debug && error.stack ? error.stack : error.message}\n`);
    process.exit(1);
  },
);
