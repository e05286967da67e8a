import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { redact, stripQuery } from '../errors.js';
import { MeshyApiError, MeshyDownloadError, MeshyNetworkError, MeshyResponseError, MeshyTaskFailedError } from './errors.js';
import type { TaskResource } from './resources.js';
import { createRateGate, DEFAULT_RETRY_POLICY, failedBeforeSending, parseRetryAfter, retryDelayMs, sleep, type RetryPolicy } from './retry.js';
import {
  balanceSchema,
  createResponseSchema,
  errorBodySchema,
  FINAL_STATUSES,
  streamErrorSchema,
  streamUpdateSchema,
  type BaseTask,
  type TaskStatus,
} from './schemas.js';
import { parseEventStream } from './sse.js';

export const MESHY_API_BASE = 'https://api.meshy.ai';

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
  /** How long a task may take before we stop waiting (it keeps running at Meshy). Default 2 h. */
  maxWaitMs?: number;
  /** A stream that sends nothing, not even a keep-alive, for this long is given up for polling. */
  streamIdleTimeoutMs?: number;
  log?: (line: string) => void;
  /** An undici dispatcher to use instead of the client's own keep-alive agent. */
  dispatcher?: Dispatcher;
}

export interface ProgressUpdate {
  status: TaskStatus;
  progress: number;
  precedingTasks?: number;
}

interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /**
   * Fields the created task will echo that the request body lacks (a refine echoes its preview's
   * prompt), so that a create whose answer is lost can be recognised in Meshy's task list.
   */
  echoed?: Record<string, unknown>;
}

export interface ListOptions extends CallOptions {
  pageNum?: number;
  pageSize?: number;
  sortBy?: '+created_at' | '-created_at';
}

export interface MeshyClient {
  readonly baseUrl: string;
  /** Creates a task and returns its id. Never creates the same paid task twice (see `createTask`). */
  createTask(resource: TaskResource<any>, body: Record<string, unknown>, options?: CreateOptions): Promise<string>;
  getTask<Task extends BaseTask>(resource: TaskResource<Task>, id: string, options?: CallOptions): Promise<Task>;
  listTasks<Task extends BaseTask>(resource: TaskResource<Task>, options?: ListOptions): Promise<Task[]>;
  deleteTask(resource: TaskResource<any>, id: string, options?: CallOptions): Promise<void>;
  /**
   * The task a create request with `body`, sent at `sentAt` (ms), made — if Meshy lists exactly one
   * that matches and this client did not create it itself. Used to resume after a crash between
   * sending a create and recording its answer. Throws when several tasks could be it.
   */
  findCreatedTask(resource: TaskResource<any>, body: Record<string, unknown>, sentAt: number, options?: CallOptions): Promise<string | undefined>;
  /** Follows a task to its end; resolves with the SUCCEEDED task, rejects with MeshyTaskFailedError. */
  waitForTask<Task extends BaseTask>(
    resource: TaskResource<Task>,
    id: string,
    options?: CallOptions & { onProgress?: (update: ProgressUpdate) => void },
  ): Promise<Task>;
  /** Downloads a result file (no Authorization header: asset URLs are signed), checked by `validate`. */
  download(url: string, options?: CallOptions & { validate?: (bytes: Uint8Array) => void }): Promise<Uint8Array>;
  balance(options?: CallOptions): Promise<number>;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** How far a task's `created_at` may precede our own clock when matching a lost create (clock skew). */
const CLOCK_SKEW_MS = 5 * 60_000;

export function createMeshyClient(options: MeshyClientOptions): MeshyClient {
  const baseUrl = (options.baseUrl ?? MESHY_API_BASE).replace(/\/+$/, '');
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const pollIntervalMs = options.pollIntervalMs ?? 5_000;
  const maxWaitMs = options.maxWaitMs ?? 2 * 60 * 60_000;
  const streamIdleTimeoutMs = options.streamIdleTimeoutMs ?? 60_000;
  const ownAgent = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000, connections: 16 });
  const dispatcher = options.dispatcher ?? ownAgent!;
  const gate = createRateGate(options.requestsPerSecond ?? 20);
  const log = (line: string) => options.log?.(redact(line, [options.apiKey]));
  /** Ids this client created: a lost create is never matched to one of them. */
  const createdIds = new Set<string>();

  const authHeaders = { authorization: `Bearer ${options.apiKey}` };

  async function send(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<Answer> {
    await gate(signal);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(`${baseUrl}${path}`, {
        method,
        dispatcher,
        signal,
        headers: { ...authHeaders, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(method, path, cause);
    }
    let text: string;
    try {
      text = await response.body.text();
    } catch (cause) {
      if (signal?.aborted) throw signal.reason;
      throw networkError(method, path, cause, false);
    }
    if (response.statusCode >= 400) throw apiError(method, path, response.statusCode, text, response.headers);
    let json: unknown = null;
    if (text.trim()) {
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw new MeshyResponseError(`Meshy answered ${method} ${path} with a body that is not JSON`, { method, path }, cause);
      }
    }
    return { status: response.statusCode, json, headers: response.headers };
  }

  function networkError(method: string, path: string, cause: unknown, maybeNotSent = true): MeshyNetworkError {
    const notSent = maybeNotSent && failedBeforeSending(cause);
    const reason = (cause as Error)?.message ?? String(cause);
    return new MeshyNetworkError(`Could not reach Meshy at ${baseUrl} (${method} ${path}): ${redact(reason, [options.apiKey])}`, {
      cause,
      notSent,
      method,
      path,
    });
  }

  function apiError(method: string, path: string, status: number, text: string, headers: Answer['headers']): MeshyApiError {
    let message = '';
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) message = parsed.data.message ?? parsed.data.error ?? parsed.data.code ?? '';
    } catch {
      message = text.slice(0, 200).trim();
    }
    const requestId = headers['x-request-id'];
    return new MeshyApiError({
      status,
      meshyMessage: redact(message, [options.apiKey]),
      method,
      path,
      requestId: Array.isArray(requestId) ? requestId[0] : requestId,
      retryAfterMs: parseRetryAfter(headers['retry-after']),
    });
  }

  function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new MeshyResponseError(
      `Meshy's ${what} did not have the documented shape (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
      { what },
      parsed.error,
    );
  }

  /** Retries what is safe to retry: rate limits, server errors and network failures, with a bound. */
  async function withRetries<T>(what: string, attempt: () => Promise<T>, canRetry: (error: unknown) => boolean, signal?: AbortSignal): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await attempt();
      } catch (error) {
        const queueFull = error instanceof MeshyApiError && error.code === 'MESHY_QUEUE_FULL';
        // A full queue empties as tasks finish: wait for it far longer than for a flaky network.
        const bound = queueFull ? policy.retries * 12 : policy.retries;
        if (signal?.aborted || tries >= bound || !canRetry(error)) throw error;
        const delay = retryDelayMs(Math.min(tries, 10), policy, error instanceof MeshyApiError ? error.retryAfterMs : undefined);
        log(`${what}: ${(error as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s (${tries + 1}/${bound})`);
        await sleep(delay, signal);
      }
    }
  }

  const transient = (error: unknown) =>
    error instanceof MeshyNetworkError || (error instanceof MeshyApiError && (error.status === 429 || error.status >= 500));

  async function getTask<Task extends BaseTask>(resource: TaskResource<Task>, id: string, call: CallOptions = {}): Promise<Task> {
    const answer = await withRetries(`GET ${resource.name} task`, () => send('GET', `${resource.path}/${encodeURIComponent(id)}`, undefined, call.signal), transient, call.signal);
    return parse(resource.taskSchema, answer.json, `${resource.name} task ${id}`);
  }

  async function getTaskWithHeaders<Task extends BaseTask>(resource: TaskResource<Task>, id: string, signal?: AbortSignal): Promise<{ task: Task; retryAfterMs?: number }> {
    const answer = await withRetries(`GET ${resource.name} task`, () => send('GET', `${resource.path}/${encodeURIComponent(id)}`, undefined, signal), transient, signal);
    return { task: parse(resource.taskSchema, answer.json, `${resource.name} task ${id}`), retryAfterMs: parseRetryAfter(answer.headers['retry-after']) };
  }

  async function listTasks<Task extends BaseTask>(resource: TaskResource<Task>, list: ListOptions = {}): Promise<Task[]> {
    const query = new URLSearchParams({
      page_num: String(list.pageNum ?? 1),
      page_size: String(list.pageSize ?? 10),
      sort_by: list.sortBy ?? '-created_at',
    });
    const answer = await withRetries(`list ${resource.name} tasks`, () => send('GET', `${resource.path}?${query}`, undefined, list.signal), transient, list.signal);
    if (!Array.isArray(answer.json)) throw new MeshyResponseError(`Meshy's ${resource.name} task list is not an array`, { resource: resource.name });
    return answer.json.map((task, index) => parse(resource.taskSchema, task, `${resource.name} task list item ${index}`));
  }

  /**
   * A create is paid for. It is sent again only when it certainly did not create a task: Meshy
   * refused it (429: rate or queue), or the connection failed before the request was written. When
   * the answer is lost after sending (a reset, a 5xx), the task list decides: a matching new task is
   * adopted, none means the create may be sent again, and several mean we cannot tell (an error).
   */
  async function createTask(resource: TaskResource<any>, body: Record<string, unknown>, call: CreateOptions = {}): Promise<string> {
    for (let tries = 0; ; tries++) {
      const sentAt = Date.now();
      try {
        const answer = await withRetries(
          `create ${resource.name} task`,
          () => send('POST', resource.path, body, call.signal),
          (error) => (error instanceof MeshyApiError && error.status === 429) || (error instanceof MeshyNetworkError && error.notSent),
          call.signal,
        );
        const { result } = parse(createResponseSchema, answer.json, `${resource.name} create response`);
        createdIds.add(result);
        return result;
      } catch (error) {
        const ambiguous = error instanceof MeshyNetworkError || (error instanceof MeshyApiError && error.status >= 500);
        if (!ambiguous || call.signal?.aborted || tries >= policy.retries) throw error;
        const adopted = await findLostTask(resource, { ...body, ...call.echoed }, sentAt, call.signal);
        if (adopted) {
          log(`the answer to a ${resource.name} create was lost, but Meshy has the task: continuing with ${adopted}`);
          createdIds.add(adopted);
          return adopted;
        }
        const delay = retryDelayMs(tries, policy);
        log(`create ${resource.name} task: ${(error as Error).message}; Meshy has no such task, so it is sent again in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, call.signal);
      }
    }
  }

  async function findLostTask(resource: TaskResource<any>, body: Record<string, unknown>, sentAt: number, signal?: AbortSignal): Promise<string | undefined> {
    const recent = await listTasks(resource, { pageSize: 50, sortBy: '-created_at', signal });
    const candidates = recent.filter(
      (task) => !createdIds.has(task.id) && task.created_at >= sentAt - CLOCK_SKEW_MS && resource.matchesRequest(task, body),
    );
    if (candidates.length > 1) {
      throw new MeshyResponseError(
        `The answer to a ${resource.name} create was lost and Meshy lists ${candidates.length} new tasks that could be it (${candidates.map((t) => t.id).join(', ')}); not creating another one. Check them in Meshy and retry.`,
        { candidates: candidates.map((task) => task.id) },
      );
    }
    return candidates[0]?.id;
  }

  async function followStream<Task extends BaseTask>(
    resource: TaskResource<Task>,
    id: string,
    onProgress: ((update: ProgressUpdate) => void) | undefined,
    signal?: AbortSignal,
  ): Promise<Task | undefined> {
    const idle = new AbortController();
    const both = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error(`no data for ${streamIdleTimeoutMs} ms`)), streamIdleTimeoutMs);
    };
    const path = `${resource.path}/${encodeURIComponent(id)}/stream`;
    touch();
    try {
      await gate(signal);
      const response = await request(`${baseUrl}${path}`, {
        method: 'GET',
        dispatcher,
        signal: both,
        headers: { ...authHeaders, accept: 'text/event-stream' },
        headersTimeout: 60_000,
        bodyTimeout: 0,
      });
      if (response.statusCode >= 400) throw apiError('GET', path, response.statusCode, await response.body.text(), response.headers);
      for await (const event of parseEventStream(response.body, touch)) {
        if (event.event === 'error') {
          const detail = streamErrorSchema.safeParse(safeJson(event.data));
          const status = detail.success ? (detail.data.status_code ?? 500) : 500;
          throw apiError('GET', path, status, JSON.stringify({ message: detail.success ? detail.data.message : event.data }), {});
        }
        if (event.event !== 'message') continue;
        const json = safeJson(event.data);
        const update = parse(streamUpdateSchema, json, `${resource.name} stream event`);
        onProgress?.({ status: update.status, progress: update.progress });
        if (FINAL_STATUSES.has(update.status)) {
          const full = resource.taskSchema.safeParse(json);
          response.body.destroy();
          return full.success ? full.data : undefined;
        }
      }
      return undefined; // the stream ended early: polling takes over
    } finally {
      clearTimeout(timer);
    }
  }

  async function waitForTask<Task extends BaseTask>(
    resource: TaskResource<Task>,
    id: string,
    call: CallOptions & { onProgress?: (update: ProgressUpdate) => void } = {},
  ): Promise<Task> {
    const deadline = Date.now() + maxWaitMs;
    const finish = (task: Task): Task => {
      if (task.status === 'SUCCEEDED') return task;
      throw new MeshyTaskFailedError({ resource: resource.name, taskId: id, status: task.status, taskError: task.task_error });
    };
    if (options.stream !== false) {
      try {
        const task = await followStream(resource, id, call.onProgress, call.signal);
        if (task) return finish(task);
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        if (error instanceof MeshyApiError && (error.status === 401 || error.status === 404)) throw error;
        if (error instanceof MeshyResponseError) throw error;
        log(`following ${resource.name} task ${id} by polling: its stream failed (${(error as Error).message})`);
      }
    }
    for (;;) {
      const { task, retryAfterMs } = await getTaskWithHeaders(resource, id, call.signal);
      call.onProgress?.({ status: task.status, progress: task.progress, ...(task.preceding_tasks == null ? {} : { precedingTasks: task.preceding_tasks }) });
      if (FINAL_STATUSES.has(task.status)) return finish(task);
      if (Date.now() > deadline) {
        throw new MeshyResponseError(
          `Meshy ${resource.name} task ${id} is still ${task.status} (${task.progress}%) after ${Math.round(maxWaitMs / 60_000)} minutes; it keeps running at Meshy and the next build picks it up.`,
          { taskId: id, status: task.status },
        );
      }
      await sleep(Math.max(retryAfterMs ?? 0, pollIntervalMs), call.signal);
    }
  }

  async function download(url: string, call: CallOptions & { validate?: (bytes: Uint8Array) => void } = {}): Promise<Uint8Array> {
    const shown = stripQuery(url);
    let lastError: unknown;
    for (let tries = 0; tries <= policy.retries; tries++) {
      if (tries > 0) await sleep(retryDelayMs(tries - 1, policy), call.signal);
      let response: Dispatcher.ResponseData;
      try {
        // No Authorization: asset URLs are signed, and the key must not travel to another host.
        response = await request(url, { method: 'GET', dispatcher, signal: call.signal, headersTimeout: 60_000, bodyTimeout: 60_000 });
      } catch (cause) {
        if (call.signal?.aborted) throw call.signal.reason;
        lastError = cause;
        log(`download of ${shown} failed (${(cause as Error).message}); retrying`);
        continue;
      }
      if (response.statusCode === 403 || response.statusCode === 410) {
        await response.body.dump();
        throw new MeshyDownloadError(
          'MESHY_ASSET_EXPIRED',
          `Meshy's download link ${shown} has expired (HTTP ${response.statusCode}). Meshy keeps results for 3 days; re-read the task for a fresh link, or regenerate the model if the task is older.`,
          { url: shown, status: response.statusCode },
        );
      }
      if (response.statusCode >= 400) {
        await response.body.dump();
        lastError = new Error(`HTTP ${response.statusCode}`);
        if (response.statusCode === 404) break;
        continue;
      }
      try {
        const bytes = new Uint8Array(await response.body.arrayBuffer());
        const declared = Number(response.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared !== bytes.byteLength) {
          throw new Error(`expected ${declared} bytes, got ${bytes.byteLength}`);
        }
        call.validate?.(bytes);
        return bytes;
      } catch (cause) {
        if (call.signal?.aborted) throw call.signal.reason;
        lastError = cause;
        log(`download of ${shown} was incomplete or invalid (${(cause as Error).message}); retrying`);
      }
    }
    throw new MeshyDownloadError(
      'MESHY_DOWNLOAD_FAILED',
      `Could not download ${shown}: ${(lastError as Error)?.message ?? 'unknown error'}`,
      { url: shown },
      lastError,
    );
  }

  return {
    baseUrl,
    createTask,
    findCreatedTask: (resource, body, sentAt, call = {}) => findLostTask(resource, body, sentAt, call.signal),
    getTask,
    listTasks,
    async deleteTask(resource, id, call = {}) {
      await withRetries(`delete ${resource.name} task`, () => send('DELETE', `${resource.path}/${encodeURIComponent(id)}`, undefined, call.signal), transient, call.signal);
    },
    waitForTask,
    download,
    async balance(call = {}) {
      const answer = await withRetries('balance', () => send('GET', '/openapi/v1/balance', undefined, call.signal), transient, call.signal);
      return parse(balanceSchema, answer.json, 'balance').balance;
    },
    async close() {
      await ownAgent?.close();
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
