/** Whether this process is a test runner's: Vitest sets `VITEST` in its workers and in the process that loads the config. */
export function isTestRunner(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.VITEST && env.VITEST !== 'false';
}

/** Whether the `CI` variable says this runs on a CI runner (`CI=false` says it does not). */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false';
}

/** The `MESHY_*` variables of an environment, empty ones left out. */
export function meshyEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[0].startsWith('MESHY_') && !!entry[1]));
}
