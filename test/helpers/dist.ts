import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '../..');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Child-process tests run the plugin from dist/: rebuild it (`npm run build`) when src/ is newer (npm ci builds it too). */
export function ensureDistBuilt(): void {
  let built = 0;
  try {
    built = Math.min(statSync(join(repo, 'dist/index.js')).mtimeMs, statSync(join(repo, 'dist/index.d.ts')).mtimeMs);
  } catch {
    // not built yet
  }
  if (built >= Math.max(newestMtime(join(repo, 'src')), statSync(join(repo, 'rolldown.config.ts')).mtimeMs)) return;
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
}
