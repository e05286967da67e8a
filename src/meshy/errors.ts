import { MeshyPluginError } from '../errors.js';

/** What went wrong talking to Meshy, as a stable code a program can switch on. */
type MeshyErrorCode =
  | 'MESHY_BAD_REQUEST'
  | 'MESHY_UNAUTHORIZED'
  | 'MESHY_INSUFFICIENT_CREDITS'
  | 'MESHY_FORBIDDEN'
  | 'MESHY_NOT_FOUND'
  | 'MESHY_UNPROCESSABLE'
  | 'MESHY_RATE_LIMITED'
  | 'MESHY_QUEUE_FULL'
  | 'MESHY_SERVER_ERROR'
  | 'MESHY_HTTP_ERROR';

const HINTS: Partial<Record<MeshyErrorCode, string>> = {
  MESHY_UNAUTHORIZED: 'check MESHY_API_KEY (API access needs a Meshy Pro plan or higher)',
  MESHY_INSUFFICIENT_CREDITS: 'the Meshy account is out of credits: top up at https://www.meshy.ai/settings/subscription',
  MESHY_RATE_LIMITED: 'too many requests per second',
  MESHY_QUEUE_FULL: "the account's task queue is full",
};

function codeForStatus(status: number, meshyMessage: string): MeshyErrorCode {
  if (status === 400) return 'MESHY_BAD_REQUEST';
  if (status === 401) return 'MESHY_UNAUTHORIZED';
  if (status === 402) return 'MESHY_INSUFFICIENT_CREDITS';
  if (status === 403) return 'MESHY_FORBIDDEN';
  if (status === 404) return 'MESHY_NOT_FOUND';
  if (status === 422) return 'MESHY_UNPROCESSABLE';
  if (status === 429) return /NoMoreConcurrentTasks|TooManyPendingTasks/i.test(meshyMessage) ? 'MESHY_QUEUE_FULL' : 'MESHY_RATE_LIMITED';
  if (status >= 500) return 'MESHY_SERVER_ERROR';
  return 'MESHY_HTTP_ERROR';
}

/** Meshy answered a request with an error status. Carries Meshy's own message, never the API key. */
export class MeshyApiError extends MeshyPluginError {
  readonly status: number;
  readonly meshyMessage: string;
  readonly retryAfterMs: number | undefined;

  constructor(
    init: { status: number; meshyMessage: string; method: string; path: string; requestId?: string; retryAfterMs?: number },
    options: { cause?: unknown } = {},
  ) {
    const code = codeForStatus(init.status, init.meshyMessage);
    const hint = HINTS[code];
    super(code, `Meshy answered ${init.method} ${init.path} with ${init.status}: ${init.meshyMessage || '(no message)'}${hint ? ` (${hint})` : ''}`, {
      ...options,
      context: { status: init.status, method: init.method, path: init.path, requestId: init.requestId },
    });
    this.status = init.status;
    this.meshyMessage = init.meshyMessage;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** Meshy refused a create because the account's task queue is full (429 NoMoreConcurrentTasks): nothing was created. */
export function isQueueFull(error: unknown): error is MeshyApiError {
  return error instanceof MeshyApiError && error.code === 'MESHY_QUEUE_FULL';
}

/**
 * A create was refused for a full queue so many times, with none of this process's tasks in the
 * queue, that other clients of the account must be holding every slot. Nothing was created or paid for.
 */
export class MeshyQueueFullError extends MeshyPluginError {
  constructor(init: { resource: string; refusals: number; cause: MeshyApiError }) {
    super(
      'MESHY_QUEUE_FULL',
      `Meshy refused to create a ${init.resource} task ${init.refusals} times because the account's task queue is full ` +
        "(429 NoMoreConcurrentTasks), while none of the tasks in it were this build's: other clients of the same Meshy account " +
        '(another build, a dev server, the web app) hold every slot. Nothing was created or paid for. Build again once they are done, ' +
        'or use an account with a larger queue (https://docs.meshy.ai/en/api/rate-limits).',
      { cause: init.cause, context: { resource: init.resource, refusals: init.refusals } },
    );
  }
}

/** The connection failed, timed out, or was reset before a complete answer arrived. */
export class MeshyNetworkError extends MeshyPluginError {
  /** True when the request certainly never reached Meshy (so even a paid create may be sent again). */
  readonly notSent: boolean;
  constructor(message: string, init: { cause: unknown; notSent: boolean; method: string; path: string }) {
    super('MESHY_NETWORK_ERROR', message, { cause: init.cause, context: { method: init.method, path: init.path } });
    this.notSent = init.notSent;
  }
}

/** Meshy's answer did not have the shape the reference documents. */
export class MeshyResponseError extends MeshyPluginError {
  constructor(message: string, context: Record<string, unknown>, cause?: unknown, code = 'MESHY_UNEXPECTED_RESPONSE') {
    super(code, message, { cause, context });
  }
}

/**
 * A task did not end within the client's `maxWaitMs`. It keeps running at Meshy; the plugin's task
 * journal keeps its id, so the next build follows the same task instead of paying for a new one.
 * A MeshyResponseError, as this failure was before it had its own class.
 */
export class MeshyTaskTimeoutError extends MeshyResponseError {
  readonly taskId: string;
  constructor(init: { resource: string; taskId: string; status: string; progress: number; waitedMs: number }) {
    super(
      `Meshy ${init.resource} task ${init.taskId} is still ${init.status} (${init.progress}%) after ${formatDuration(init.waitedMs)}, ` +
        "the longest this client waits for a task (maxWaitMs). It keeps running at Meshy and nothing is lost: the task's id is kept " +
        'in the task journal, and the next build resumes it without paying again.',
      { taskId: init.taskId, status: init.status, progress: init.progress, waitedMs: init.waitedMs },
      undefined,
      'MESHY_TASK_TIMEOUT',
    );
    this.taskId = init.taskId;
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 2 * 60 * 60_000) return `${Math.round(ms / 60_000)} minutes`;
  return `${Math.round(ms / 360_000) / 10} hours`;
}

/** A task ended FAILED or CANCELED. Meshy refunds failed tasks (https://docs.meshy.ai/en/api/task-lifecycle). */
export class MeshyTaskFailedError extends MeshyPluginError {
  readonly taskId: string;
  readonly status: string;
  readonly taskError: { message: string; type?: string; code?: string } | undefined;
  constructor(init: { resource: string; taskId: string; status: string; taskError?: { message: string; type?: string; code?: string } | null }) {
    const detail = init.taskError?.message || 'no reason given';
    const kind = [init.taskError?.type, init.taskError?.code].filter(Boolean).join('/');
    super(
      'MESHY_TASK_FAILED',
      `Meshy ${init.resource} task ${init.taskId} ${init.status === 'CANCELED' ? 'was canceled' : 'failed'}: ${detail}${kind ? ` (${kind})` : ''}`,
      { context: { taskId: init.taskId, status: init.status, taskError: init.taskError } },
    );
    this.taskId = init.taskId;
    this.status = init.status;
    this.taskError = init.taskError ?? undefined;
  }
}

/** A result file could not be downloaded whole. */
export class MeshyDownloadError extends MeshyPluginError {
  constructor(
    code: 'MESHY_DOWNLOAD_FAILED' | 'MESHY_ASSET_EXPIRED' | 'MESHY_DOWNLOAD_TOO_LARGE',
    message: string,
    context: Record<string, unknown>,
    cause?: unknown,
  ) {
    super(code, message, { cause, context });
  }
}
