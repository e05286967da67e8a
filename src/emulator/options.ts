import { z } from 'zod';
import { type FaultRule, faultsSchema } from './faults/index.js';
import { PROFILES } from './glb/profiles.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const THREE_DAYS_MS = 3 * DAY_MS;

const fn = <T extends (...args: never[]) => unknown>(what: string) =>
  z.custom<T>((value) => typeof value === 'function', { error: `${what} must be a function` });

/**
 * The emulator's options. Defaults follow Meshy's Pro tier (https://docs.meshy.ai/en/api/rate-limits) and asset
 * retention (https://docs.meshy.ai/en/api/asset-retention).
 */
export const emulatorOptionsSchema = z.strictObject({
  /** 0 picks a free port. */
  port: z.int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** Keys of the emulated account. Meshy's test-mode key is always accepted as well (https://docs.meshy.ai/en/api/authentication). */
  apiKeys: z.array(z.string().min(1)).default([]),
  /** Time a task spends IN_PROGRESS. */
  taskDurationMs: z.int().min(0).default(2000),
  /** Time a task spends PENDING; default 10% of taskDurationMs. */
  queueDelayMs: z.int().min(0).optional(),
  /** How heavy the generated files are: small (tests), standard (playground), large (benchmarks). */
  profile: z.enum(PROFILES).default('small'),
  /** Credits of the account. */
  balance: z.int().min(0).default(10_000),
  rateLimitPerSecond: z.int().positive().default(20),
  /** Tasks that may be PENDING or IN_PROGRESS at once. */
  queueLimit: z.int().positive().default(10),
  /** How long results stay downloadable after a task finishes. */
  retentionMs: z.int().positive().default(THREE_DAYS_MS),
  /**
   * How long a signed download link works after the task object carrying it was read (never past the
   * retention). Meshy's links are short-lived (24 h, per Meshy's MCP); read the task again for fresh
   * ones (https://docs.meshy.ai/en/api/asset-retention). A test sets a second to see links go stale.
   */
  linkTtlMs: z.int().positive().default(DAY_MS),
  /** The clock, in ms since the epoch. Tests pass a fake one to move time by hand. */
  now: fn<() => number>('now').optional(),
  /** Receives one line per request. */
  log: fn<(line: string) => void>('log').optional(),
  /** Switchable faults for fault-injection tests (faults/schema.ts); also `emulator.setFaults()`. */
  faults: faultsSchema.prefault({}),
  /** Decides whether a new task fails (faults/task-failures.ts). The `[emulator:fail]` prompt marker always works. */
  faultRule: fn<FaultRule>('faultRule').optional(),
});

export type EmulatorOptions = z.input<typeof emulatorOptionsSchema>;

export interface ResolvedEmulatorOptions extends Omit<z.output<typeof emulatorOptionsSchema>, 'queueDelayMs' | 'now'> {
  queueDelayMs: number;
  now: () => number;
}

export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
  const parsed = emulatorOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`);
    throw new TypeError(`Invalid emulator options: ${problems.join('; ')}`);
  }
  const { queueDelayMs, now, ...rest } = parsed.data;
  return { ...rest, queueDelayMs: queueDelayMs ?? Math.round(rest.taskDurationMs * 0.1), now: now ?? Date.now };
}
