import { join } from 'node:path';

/**
 * The on-disk store, two levels deep:
 *   manifest.json            which Meshy tasks and bytes each spec key came from (commit it)
 *   raw/<sha256>.glb|png|jpg what Meshy returned, content-addressed (commit it: it cost credits)
 *   raw/<sha256>.json        its manifest entry and spec key: what `repair` rebuilds a lost manifest from
 *   optimized/<key>.glb|json the optimizer's output and its meta, keyed by raw hash + options + versions
 *   optimized/<sha256>.<ext> files that ship as they are (images, placeholders), named by their content
 *   journal/<key>.json       Meshy tasks asked for and not yet in the manifest (crash resume)
 *   locks/                   cross-process locks, one per spec key being generated
 *   tmp/                     partial writes, renamed into place when complete
 */
export interface StoreLayout {
  dir: string;
  manifest: string;
  raw: string;
  optimized: string;
  journal: string;
  locks: string;
  tmp: string;
}

export function storeLayout(dir: string): StoreLayout {
  return {
    dir,
    manifest: join(dir, 'manifest.json'),
    raw: join(dir, 'raw'),
    optimized: join(dir, 'optimized'),
    journal: join(dir, 'journal'),
    locks: join(dir, 'locks'),
    tmp: join(dir, 'tmp'),
  };
}
