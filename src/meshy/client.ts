import { Agent, type Dispatcher } from 'undici';
import { redact } from '../errors.js';
import { MESHY_API_BASE } from './api.js';
import { DEFAULT_MAX_DOWNLOAD_BYTES, type DownloadedFile, type DownloadOptions, downloadAsset, downloadToFile, type FileDownloadOptions } from './download.js';
import type { TaskResource } from './resources.js';
import { createRateGate, DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { type BaseTask, balanceSchema } from './schemas.js';
import type { CallOptions, CreateOptions, ListOptions } from './tasks.js';
import * as tasks from './tasks.js';
import { callMeshy, parseShape, type Transport, transportSecrets } from './transport.js';
import { stripUserInfo } from './urls.js';
import { type WaitContext, type WaitOptions, waitForTask } from './wait.js';

export interface MeshyClientOptions {
  apiKey: string;
  /** Default https://api.meshy.ai; an emulator's URL in tests. */
  baseUrl?: string;
  /** Follow running tasks over SSE (default), falling back to polling when a stream fails. */
  stream?: boolean;
  /** Polling interval; Meshy's own samples poll every 5 s. A `Retry-After` on a GET wins. */
  pollIntervalMs?: number;
  /** Meshy allows 20 requests per second per account on Pro (https://docs.meshy.ai/en/api/rate-limits). */
  requestsPerSecond?: number;
  retry?: Partial<RetryPolicy>;
  /** How long a task may take, streamed or polled, before we stop waiting (it keeps running at Meshy). Default 2 h. */
  maxWaitMs?: number;
  /** The largest file a download may be; a larger one is refused (MESHY_DOWNLOAD_TOO_LARGE). Default 1 GiB. */
  maxDownloadBytes?: number;
  /** A stream that sends nothing, not even a keep-alive, for this long is given up for polling. */
  streamIdleTimeoutMs?: number;
  log?: (line: string) => void;
  /** An undici dispatcher to use instead of the client's own keep-alive agent. */
  dispatcher?: Dispatcher;
}

export interface MeshyClient {
  /** The API base, without the credentials of its user-info (it is shown). */
  readonly baseUrl: string;
  /** Creates a task and returns its id. Never creates the same paid task twice (see `createTask`). */
  createTask(resource: TaskResource, body: Record<string, unknown>, options?: CreateOptions): Promise<string>;
  getTask<Task extends BaseTask>(resource: TaskResource<Task>, id: string, options?: CallOptions): Promise<Task>;
  listTasks<Task extends BaseTask>(resource: TaskResource<Task>, options?: ListOptions): Promise<Task[]>;
  deleteTask(resource: TaskResource, id: string, options?: CallOptions): Promise<void>;
  /**
   * The task a create request with `body`, sent at `sentAt` (ms), made — if Meshy lists exactly one
   * that matches and this client did not create it itself. Used to resume after a crash between
   * sending a create and recording its answer. Throws when several tasks could be it.
   */
  findCreatedTask(resource: TaskResource, body: Record<string, unknown>, sentAt: number, options?: CallOptions): Promise<string | undefined>;
  /** Follows a task to its end; resolves with the SUCCEEDED task, rejects with MeshyTaskFailedError. */
  waitForTask<Task extends BaseTask>(resource: TaskResource<Task>, id: string, options?: WaitOptions): Promise<Task>;
  /** Downloads a small file into memory (no Authorization header: asset URLs are signed), checked by `validate`. */
  download(url: string, options?: DownloadOptions): Promise<Uint8Array>;
  /** Streams a file to a temp file in `options.dir`, checked, hashed and bounded as it arrives (see `downloadTaskResult`). */
  downloadFile(url: string, options: FileDownloadOptions): Promise<DownloadedFile>;
  balance(options?: CallOptions): Promise<number>;
  close(): Promise<void>;
}

/**
 * The Meshy API client: transport.ts sends (rate gate, key, retries, typed errors), tasks.ts creates
 * and reads tasks, wait.ts follows them, download.ts fetches their files. This file only wires them.
 */
export function createMeshyClient(options: MeshyClientOptions): MeshyClient {
  const ownAgent = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  const baseUrl = (options.baseUrl ?? MESHY_API_BASE).replace(/\/+$/, '');
  const secrets = transportSecrets({ apiKey: options.apiKey, baseUrl });
  const maxBytes = options.maxDownloadBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  const transport: Transport = {
    baseUrl,
    apiKey: options.apiKey,
    dispatcher: options.dispatcher ?? ownAgent!,
    gate: createRateGate(options.requestsPerSecond ?? 20),
    policy: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    log: (line) => options.log?.(redact(line, secrets)),
  };
  const taskContext: tasks.TaskContext = { transport, createdIds: new Set() };
  const waitContext: WaitContext = {
    transport,
    stream: options.stream !== false,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    maxWaitMs: options.maxWaitMs ?? 2 * 60 * 60_000,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 60_000,
  };

  return {
    baseUrl: stripUserInfo(baseUrl),
    createTask: (resource, body, call) => tasks.createTask(taskContext, resource, body, call),
    findCreatedTask: (resource, body, sentAt, call = {}) => tasks.findCreatedTask(taskContext, resource, body, sentAt, call.signal),
    getTask: async (resource, id, call) => (await tasks.readTask(transport, resource, id, call)).task,
    listTasks: (resource, list) => tasks.listTasks(transport, resource, list),
    deleteTask: (resource, id, call) => tasks.deleteTask(transport, resource, id, call),
    waitForTask: (resource, id, call) => waitForTask(waitContext, resource, id, call),
    download: (url, call) => downloadAsset(transport, url, { maxBytes, ...call }),
    downloadFile: (url, call) => downloadToFile(transport, url, { maxBytes, ...call }),
    balance: (call) => balance(transport, call),
    async close() {
      await ownAgent?.close();
    },
  };
}

async function balance(transport: Transport, call: CallOptions = {}): Promise<number> {
  const answer = await callMeshy(transport, { method: 'GET', path: '/openapi/v1/balance', what: 'balance', signal: call.signal });
  return parseShape(balanceSchema, answer.json, 'balance').balance;
}
