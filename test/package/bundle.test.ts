import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDistBuilt } from '../helpers/dist.js';

const repo = join(import.meta.dirname, '../..');
const dist = join(repo, 'dist');

beforeAll(() => ensureDistBuilt(), 180_000);

/** The packages and dist/ files a fresh Node process resolves while importing `entry` after Vite (as `vite build` does). */
function modulesLoadedBy(entry: string): string[] {
  const script = `
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const seen = new Set();
    port1.on('message', (url) => seen.add(url));
    await import('vite');
    register('data:text/javascript,' + encodeURIComponent('let port; export function initialize(data) { port = data.port } export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result }'), { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(entry)});
    await new Promise((resolve) => setTimeout(resolve, 50));
    port1.close();
    console.log(JSON.stringify([...seen]));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
  return JSON.parse(output.trim().split('\n').at(-1)!) as string[];
}

function packageOf(url: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1]!;
  return url.startsWith('node:') ? 'node:' : url.slice(url.indexOf('/dist/') + 1);
}

describe('the built package', () => {
  it("loads only Vite and its own small bundle on import: the optimizer, the Meshy client, the emulator and zod's files load on first need", () => {
    const loaded = new Set(modulesLoadedBy(join(dist, 'index.js')).map(packageOf));
    const packages = [...loaded].filter((name) => !name.startsWith('dist/') && name !== 'node:');
    expect(packages).toEqual(['vite']);
    const ownFiles = [...loaded].filter((name) => name.startsWith('dist/'));
    expect(ownFiles.length).toBeLessThanOrEqual(20); // chunks shared with the CLI, the emulator and the worker: small, and one file each
    expect(ownFiles.filter((file) => /emulator|optimize|download|client/.test(file))).toEqual([]);
  });

  it('has every file package.json points to, bins with a hashbang', () => {
    const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, string>>;
      bin: Record<string, string>;
    };
    const targets = Object.values(manifest.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target)));
    for (const target of targets.filter((target) => target.startsWith('./dist/'))) expect(existsSync(join(repo, target)), target).toBe(true);
    for (const bin of Object.values(manifest.bin)) expect(readFileSync(join(repo, bin), 'utf8').startsWith('#!/usr/bin/env node\n'), bin).toBe(true);
  });

  it('finds the optimizer worker from the chunk that starts it', () => {
    const chunks = readdirSync(join(dist, 'chunks')).filter((file) => file.endsWith('.js'));
    const starters = chunks.filter((file) => readFileSync(join(dist, 'chunks', file), 'utf8').includes('"../optimize/worker.js"'));
    expect(starters).toHaveLength(1);
    expect(existsSync(join(dist, 'chunks', dirname('../optimize/worker.js'), 'worker.js'))).toBe(true);
  });

  it('ships the browser helper as one self-contained module', () => {
    const client = readFileSync(join(dist, 'client/index.js'), 'utf8');
    expect(client).not.toMatch(/^\s*import\s/m);
    expect(client).not.toMatch(/\bnode:/);
  });
});
