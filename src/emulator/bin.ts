#!/usr/bin/env node
import { CLI_HELP, type CliCommand, parseCliArgs } from './cli.js';
import { startEmulator } from './index.js';

let command: CliCommand;
try {
  command = parseCliArgs(process.argv.slice(2));
} catch (error) {
  console.error(`meshy-emulator: ${error instanceof Error ? error.message : String(error)}\n\n${CLI_HELP}`);
  process.exit(2);
}
if (command.help) {
  console.log(CLI_HELP);
  process.exit(0);
}

const emulator = await startEmulator({ ...command.options, log: command.quiet ? undefined : (line) => console.log(line) }).catch((error: unknown) => {
  console.error(`meshy-emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(`Meshy emulator listening on ${emulator.url}  (MESHY_API_BASE=${emulator.url})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
