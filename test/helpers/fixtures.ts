import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared real-world GLBs live beside the repository (CI has them); tests skip without them. */
const FIXTURES_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared/fixtures');
export const HAS_FIXTURES = existsSync(FIXTURES_DIR);
export const FIXTURES_SKIP_REASON = `no fixtures at ${FIXTURES_DIR} (clone shared/fixtures beside the repo)`;

export function listFixtures(): string[] {
  return HAS_FIXTURES
    ? readdirSync(FIXTURES_DIR)
        .filter((f) => f.endsWith('.glb'))
        .sort()
    : [];
}

export async function readFixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(FIXTURES_DIR, name)));
}
