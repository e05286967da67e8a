import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build, type Logger, type Rolldown } from 'vite';
import meshy, { type MeshyPluginOptions } from '../../src/index.js';

export interface BuiltProject {
  assets: Map<string, Uint8Array>;
  /** All JS chunks' code, concatenated. */
  code: string;
}

/** Writes `files` into `root` (an index.html entry is added when missing). */
export async function writeProject(root: string, files: Record<string, string>): Promise<void> {
  const all = { 'index.html': '<!doctype html><script type="module" src="./main.js"></script>', ...files };
  for (const [name, content] of Object.entries(all)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

/** Runs a real `vite build` in-process, without writing to disk, and returns what it would have written. */
export async function buildProject(root: string, options: MeshyPluginOptions, extra: { ssr?: string; logs?: string[] } = {}): Promise<BuiltProject> {
  const logs = extra.logs;
  const result = await build({
    root,
    configFile: false,
    logLevel: logs ? 'info' : 'silent',
    ...(logs ? { customLogger: capturingLogger(logs) } : {}),
    plugins: [meshy(options)],
    build: { write: false, minify: false, ...(extra.ssr ? { ssr: extra.ssr } : {}) },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const assets = new Map<string, Uint8Array>();
  let code = '';
  for (const output of outputs) {
    for (const item of output.output) {
      if (item.type === 'asset') assets.set(item.fileName, typeof item.source === 'string' ? new TextEncoder().encode(item.source) : item.source);
      else code += `\n// ${item.fileName}\n${item.code}`;
    }
  }
  return { assets, code };
}

/** A Vite logger that keeps every line, for tests that read what the plugin printed. */
function capturingLogger(lines: string[]): Logger {
  const keep = (message: string) => void lines.push(message);
  return { info: keep, warn: keep, warnOnce: keep, error: keep, clearScreen: () => {}, hasErrorLogged: () => false, hasWarned: false };
}
