import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { storeLayout } from '../../src/cache/index.js';
import { createModelSource, type ModelSourceOptions } from '../../src/generate/index.js';
import { type MeshyClient, MeshyDownloadError, MeshyTaskFailedError } from '../../src/meshy/index.js';

export interface FakeMeshyOptions {
  failStage?: 'preview' | 'refine';
  /** Tasks Meshy already has (created by an earlier, crashed process): id → mode. */
  existing?: Record<string, 'preview' | 'refine'>;
  /** What `findCreatedTask` answers (a create whose answer was lost). */
  lostTaskId?: string;
  /** Every download is refused as an expired link (a result past Meshy's retention). */
  expired?: boolean;
}

/** A Meshy client that answers at once from memory, and records what it was asked. */
export function fakeClient(glb: Uint8Array, options: FakeMeshyOptions = {}) {
  const modes = new Map<string, string>(Object.entries(options.existing ?? {}));
  const created: Record<string, unknown>[] = [];
  const waited: string[] = [];
  let downloads = 0;
  const client: MeshyClient = {
    baseUrl: 'fake://meshy',
    async createTask(_resource, body) {
      created.push(body);
      const id = `task-${created.length}`;
      modes.set(id, String(body.mode));
      return id;
    },
    async findCreatedTask() {
      return options.lostTaskId;
    },
    async waitForTask(_resource, id, call) {
      waited.push(id);
      const stage = modes.get(id);
      if (!stage) throw new Error(`fake Meshy has no task ${id}`);
      call?.onProgress?.({ status: 'IN_PROGRESS', progress: 50 });
      if (stage === options.failStage) {
        throw new MeshyTaskFailedError({
          resource: 'text-to-3d',
          taskId: id,
          status: 'FAILED',
          taskError: { message: 'The server is busy. Please try again later.' },
        });
      }
      return {
        id,
        type: `text-to-3d-${stage}`,
        status: 'SUCCEEDED',
        progress: 100,
        created_at: 1,
        started_at: 2,
        finished_at: 3,
        expires_at: 4,
        consumed_credits: stage === 'preview' ? 20 : 10,
        model_urls: { glb: `fake://assets/${id}.glb` },
      } as never;
    },
    async download(url, call) {
      downloads++;
      if (options.expired) throw new MeshyDownloadError('MESHY_ASSET_EXPIRED', `link ${url} expired`, { url });
      call?.validate?.(glb);
      return glb;
    },
    async downloadFile(url, call) {
      downloads++;
      if (options.expired) throw new MeshyDownloadError('MESHY_ASSET_EXPIRED', `link ${url} expired`, { url });
      await mkdir(call.dir, { recursive: true });
      const path = join(call.dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(path, glb);
      return { path, sha256: createHash('sha256').update(glb).digest('hex'), bytes: glb.byteLength };
    },
    async getTask(_resource, id) {
      return {
        id,
        status: 'SUCCEEDED',
        progress: 100,
        created_at: 1,
        started_at: 2,
        finished_at: 3,
        expires_at: 5,
        model_urls: { glb: `fake://assets/${id}.glb?fresh` },
      } as never;
    },
    listTasks: () => Promise.reject(new Error('unused')),
    deleteTask: () => Promise.reject(new Error('unused')),
    balance: () => Promise.reject(new Error('unused')),
    close: async () => {},
  };
  return { client, created, waited, downloads: () => downloads };
}

/** A model source on a temp store, with `client` as its Meshy (undefined: any connection fails the test). */
export function testSource(dir: string, client: MeshyClient | undefined, extra: Partial<ModelSourceOptions> = {}) {
  let connects = 0;
  const lines: string[] = [];
  const models = createModelSource({
    layout: storeLayout(join(dir, '.meshy')),
    namespace: 'test',
    mode: 'generate',
    concurrency: 4,
    optimize: false,
    connect: async () => {
      connects++;
      if (!client) throw new Error('no network in this test');
      return client;
    },
    log: (line) => lines.push(line),
    ...extra,
  });
  return { models, connects: () => connects, lines };
}
