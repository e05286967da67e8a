import { readdir } from 'node:fs/promises';
import { entryStates, inspectRawFile, readManifest, resultFileOf } from '../cache/index.js';
import { MeshyPluginError } from '../errors.js';
import { formatBytes } from '../generate/index.js';
import type { MeshyProject } from '../project/index.js';
import type { RemoteStore } from '../remote/index.js';
import { type Print, usedSpecs } from './commands.js';

/** The project's remote store, or an error saying how to configure it. */
async function remoteOf(project: MeshyProject): Promise<RemoteStore> {
  const remote = await project.remote();
  if (remote) return remote;
  throw new MeshyPluginError(
    'MESHY_CLI_NO_REMOTE',
    "No remote store to use: set `remoteStore: 's3://bucket/prefix'` in meshy() or MESHY_REMOTE_STORE (docs/remote-store.md), or, if one is set, see the warning above about reaching it.",
  );
}

/** `push`: uploads every model of the local store the remote store lacks (raw file, then entry), and optimized files. */
export async function push(project: MeshyProject, print: Print): Promise<number> {
  const remote = await remoteOf(project);
  if (!remote.writable) {
    print(`the remote store ${remote.url} is read-only for these credentials: nothing was pushed`);
    return 1;
  }
  const manifest = await readManifest(project.layout);
  let pushed = 0;
  let damaged = 0;
  for (const [key, entry] of Object.entries(manifest.entries)) {
    if (await remote.hasModel(key)) continue;
    const damage = await inspectRawFile(project.layout, resultFileOf(entry));
    if (damage) {
      damaged++;
      print(`damaged  "${entry.label}"  ${damage.path}: ${damage.cause}; not pushed`);
      continue;
    }
    await remote.pushModel(project.layout, key, entry);
    pushed++;
    print(`pushed   "${entry.label}"  (${formatBytes(resultFileOf(entry).bytes)})`);
  }
  const optimized = (await readdir(project.layout.optimized).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
  for (const name of optimized) await remote.pushOptimized(project.layout, name.slice(0, -'.json'.length));
  print(
    `${pushed} model(s) pushed to ${remote.url}, ${Object.keys(manifest.entries).length - pushed - damaged} already there` +
      `${damaged ? `, ${damaged} damaged (not pushed)` : ''}; ${optimized.length} optimized file(s) checked`,
  );
  return damaged ? 1 : 0;
}

/**
 * `pull`: brings into the local store what the sources use and it lacks, from the remote store, and
 * their optimized files (from the remote store too, or made here). Never calls Meshy.
 */
export async function pull(project: MeshyProject, print: Print): Promise<number> {
  const remote = await remoteOf(project);
  const { specs } = await usedSpecs(project);
  const states = await entryStates(
    project.layout,
    specs.map((used) => used.key),
  );
  const source = project.createSource({ mode: 'offline', log: print });
  let pulled = 0;
  const lacking: string[] = [];
  for (const used of specs) {
    const state = states.get(used.key)!;
    if (state.state !== 'stored') {
      const entry =
        state.state === 'missing' && state.entry
          ? ((await remote.restoreRaw(project.layout, state.entry, used.label)) && state.entry) || undefined
          : await remote.pullModel(project.layout, used.key, used.label);
      if (!entry) {
        lacking.push(used.label);
        print(`missing  "${used.label}"  not in the remote store either`);
        continue;
      }
      pulled++;
    }
    // Its optimized file too (peek never calls Meshy): the build that follows only reads.
    await source.peek(used.spec);
  }
  print(`${pulled} model(s) pulled from ${remote.url}; ${specs.length - pulled - lacking.length} already here; ${lacking.length} in neither store`);
  return 0;
}
