import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { JournalStage, ManifestEntry, StoreLayout } from '../cache/index.js';
import { formatBytes } from '../generate/result.js';
import { type ClaimOutcome, claimKey } from './claims.js';
import { type RemoteStoreOption, resolveRemoteConfig } from './config.js';
import { RemoteStoreError } from './errors.js';
import { pullModel, pullOptimized, pullRawFile, pushModel, pushOptimized, readRemoteEntry } from './models.js';
import { failureOf, type ObjectStore, openObjectStore, type TransferProgress, type TransferSettings } from './objects.js';
import { type ProbeVerdict, probeStore } from './probe.js';

export type { HeldClaim } from './claims.js';

interface RemoteLog {
  info(line: string): void;
  warn(line: string): void;
}

/**
 * The team's shared store as the pipeline uses it. Reads never throw for a store that stopped
 * answering: a warning, and the build goes on from the local store. Writes are skipped with one
 * notice when the credentials may only read.
 */
export interface RemoteStore {
  url: string;
  writable: boolean;
  /** Brings the key's model into the local store (raw file, sidecar, manifest entry); its entry, or undefined. */
  pullModel(layout: StoreLayout, key: string, label: string): Promise<ManifestEntry | undefined>;
  /** Brings back a paid model's raw file that the local store lacks or has damaged. */
  restoreRaw(layout: StoreLayout, entry: ManifestEntry, label: string): Promise<boolean>;
  /** Uploads a model (raw file first, then its entry). */
  pushModel(layout: StoreLayout, key: string, entry: ManifestEntry): Promise<void>;
  pullOptimized(layout: StoreLayout, optimizedKey: string, label: string): Promise<boolean>;
  pushOptimized(layout: StoreLayout, optimizedKey: string): Promise<void>;
  /** Whether the remote store has the key's entry. */
  hasModel(key: string): Promise<boolean>;
  /** Claims a key before it is paid for; undefined when claims are off (no conditional writes, read-only credentials). */
  claim?(key: string, label: string, options: { stages: JournalStage[]; retryFailed: boolean }): Promise<ClaimOutcome>;
}

/** Each store is opened and probed once per process (a client and an SSR build share it); each project gets its own view, with its own log. */
const probed = new Map<string, Promise<{ objects: ObjectStore; verdict: ProbeVerdict }>>();

/** Stores that honour `If-None-Match: *` on PUT, named when one does not. */
const CONDITIONAL_STORES = 'AWS S3, Cloudflare R2, MinIO and Google Cloud Storage do';

/**
 * The remote store of an option (or MESHY_REMOTE_STORE), probed once per process: undefined, with
 * one warning, when it cannot be reached (a RemoteStoreError when it is `required`).
 */
export function openRemoteStore(
  option: RemoteStoreOption,
  { env, log, transfers }: { env: Readonly<Record<string, string | undefined>>; log: RemoteLog; transfers?: Partial<TransferSettings> },
): Promise<RemoteStore | undefined> {
  const config = resolveRemoteConfig(option, env);
  // Other credentials (a read-only key, another profile) are another client and another probe.
  const id = JSON.stringify([config, env.AWS_ACCESS_KEY_ID, env.AWS_PROFILE, transfers]);
  let probe = probed.get(id);
  if (!probe) {
    probe = openObjectStore(config, transfers).then(async (objects) => ({ objects, verdict: await probeStore(objects) }));
    probed.set(id, probe);
    probe.catch(() => probed.delete(id));
  }
  return open();

  async function open(): Promise<RemoteStore | undefined> {
    const { objects, verdict } = await probe!;
    if (!verdict.reachable) {
      if (config.required) {
        throw new RemoteStoreError(
          'MESHY_REMOTE_UNREACHABLE',
          `The remote store ${config.url}${config.endpoint ? ` (${config.endpoint})` : ''} cannot be reached (${verdict.problem}), and it is required (remoteStore.required). ` +
            'Check the endpoint (AWS_ENDPOINT_URL_S3), the credentials and the network, or drop `required` to build from the local store alone.',
          { context: { url: config.url, endpoint: config.endpoint } },
        );
      }
      log.warn(`the remote store ${config.url} cannot be reached (${verdict.problem}); building from the local store only (nothing is shared)`);
      return undefined;
    }
    if (!verdict.writable) {
      log.warn(`the remote store ${config.url} is read-only for these credentials: models are read from it, nothing is written to it`);
    } else if (!verdict.conditionalWrites) {
      log.warn(
        `the remote store ${config.url} does not honour conditional writes (If-None-Match: *), so machines cannot claim a model before paying for it: ` +
          `cross-machine claims are off (each machine still pays at most once; two machines may both pay for one new model). ${CONDITIONAL_STORES}.`,
      );
    }
    return remoteStore(objects, verdict, config.leaseMs, config.required, log);
  }
}

function remoteStore(objects: ObjectStore, verdict: ProbeVerdict & { reachable: true }, leaseMs: number, required: boolean, log: RemoteLog): RemoteStore {
  const writable = verdict.writable;
  const holder = `${hostname()} (pid ${process.pid}, ${randomBytes(3).toString('hex')})`;
  let warnedFailure = false;
  /** A store that stops answering mid-build: one warning, then the local store alone. */
  async function tolerant<T>(what: string, job: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await job();
    } catch (error) {
      if (required && failureOf(error) === 'unreachable') throw error;
      if (!warnedFailure) {
        warnedFailure = true;
        log.warn(`the remote store ${objects.url}: ${what} failed (${(error as Error).message}); going on with the local store`);
      }
      return fallback;
    }
  }
  /** Byte progress of a large transfer, one line per quarter. */
  const progress =
    (what: string, doing: string): TransferProgress =>
    (percent, bytes) =>
      log.info(`${what}: ${doing} ${objects.url}: ${percent}% of ${formatBytes(bytes)}`);
  const corrupt = (label: string) => (error: unknown) =>
    log.warn(`"${label}": its raw file could not be taken from ${objects.url}: ${(error as Error).message}`);

  return {
    url: objects.url,
    writable,
    pullModel: (layout, key, label) =>
      tolerant(
        `reading "${label}"`,
        async () => {
          const entry = await pullModel(objects, layout, key, {
            warn: log.warn,
            onRawFailure: corrupt(label),
            progress: progress(`"${label}"`, 'downloading from'),
          });
          if (entry) log.info(`"${label}": taken from the remote store ${objects.url} (${sizeOf(entry)}; no Meshy call)`);
          return entry;
        },
        undefined,
      ),
    restoreRaw: (layout, entry, label) =>
      tolerant(
        `reading "${label}"`,
        async () => {
          const file = 'glb' in entry.files ? entry.files.glb : entry.files.image;
          try {
            return await pullRawFile(objects, layout, file, progress(`"${label}"`, 'downloading from'));
          } catch (error) {
            corrupt(label)(error);
            return false;
          }
        },
        false,
      ),
    pushModel: async (layout, key, entry) => {
      if (!writable) return;
      await tolerant(
        `uploading "${entry.label}"`,
        async () => {
          await pushModel(objects, layout, key, entry, progress(`"${entry.label}"`, 'uploading to'));
          log.info(`"${entry.label}": shared in the remote store ${objects.url} (${sizeOf(entry)})`);
        },
        undefined,
      );
    },
    pullOptimized: (layout, optimizedKey, label) =>
      tolerant(
        `reading the optimized "${label}"`,
        async () => {
          try {
            return await pullOptimized(objects, layout, optimizedKey, progress(`"${label}" (optimized)`, 'downloading from'));
          } catch (error) {
            if (failureOf(error) === 'unreachable') throw error;
            log.warn(`"${label}": ${(error as Error).message} Optimizing it here instead.`);
            return false;
          }
        },
        false,
      ),
    pushOptimized: async (layout, optimizedKey) => {
      if (!writable) return;
      await tolerant(
        'uploading an optimized file',
        () => pushOptimized(objects, layout, optimizedKey, progress('an optimized file', 'uploading to')),
        undefined,
      );
    },
    hasModel: (key) => readRemoteEntry(objects, key, log.warn).then((entry) => entry !== undefined),
    ...(writable && verdict.conditionalWrites
      ? {
          claim: (key: string, label: string, options: { stages: JournalStage[]; retryFailed: boolean }) =>
            claimKey(objects, key, { holder, label, leaseMs, log: log.info, warn: log.warn, ...options }),
        }
      : {}),
  };
}

function sizeOf(entry: ManifestEntry): string {
  return formatBytes(('glb' in entry.files ? entry.files.glb : entry.files.image).bytes);
}
