import { styleText } from 'node:util';
import { redact } from '../errors.js';

/** Where log lines go: Vite's logger in the plugin, the terminal in the CLI, an array in tests. */
export interface LogSink {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The plugin's log: `[meshy]`-prefixed lines with the API key masked, coloured only on a terminal. */
export interface MeshyLogger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  /** Masks the API key in any text shown to a person. */
  redact(text: string): string;
}

export function createLogger(
  sink: LogSink,
  { secrets = [], color = terminalHasColors() }: { secrets?: ReadonlyArray<string | undefined>; color?: boolean } = {},
): MeshyLogger {
  const paint = (format: Parameters<typeof styleText>[0], text: string) => (color ? styleText(format, text) : text);
  const prefix = paint('magenta', '[meshy]');
  const mask = (text: string) => redact(text, secrets);
  return {
    info: (line) => sink.info(`${prefix} ${mask(line)}`),
    warn: (line) => sink.warn(`${prefix} ${paint('yellow', mask(line))}`),
    error: (line) => sink.error(`${prefix} ${paint('red', mask(line))}`),
    redact: mask,
  };
}

/**
 * Colour only for a person at a terminal: `FORCE_COLOR` forces it (0 turns it off), `NO_COLOR` and
 * pipes turn it off. Node's `hasColors` reads both variables for a TTY.
 */
function terminalHasColors(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '') return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && (stream.hasColors?.() ?? false);
}
