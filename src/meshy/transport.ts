import { type Dispatcher, request } from 'undici';
import type { z } from 'zod';
import { redact } from '../errors.js';
import { MeshyApiError, MeshyNetworkError, MeshyResponseError } from './errors.js';
import { failedBeforeSending, parseRetryAfter, type RetryPolicy, withRetries } from './retry.js';
import { errorBodySchema } from './schemas.js';
import { stripUserInfo, userInfoSecrets } from './urls.js';

/** What every call to the Meshy API needs: where, as whom, how fast and how patiently. */
export interface Transport {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly dispatcher: Dispatcher;
  /** Resolves when a request may start under the account's rate limit. */
  readonly gate: (signal?: AbortSignal) => Promise<void>;
  readonly policy: RetryPolicy;
  /** Lines go out with the API key redacted. */
  readonly log: (line: string) => void;
}

/** What must never be shown: the key, and any credentials in the base URL's user-info. */
export function transportSecrets(transport: Pick<Transport, 'apiKey' | 'baseUrl'>): string[] {
  return [transport.apiKey, ...userInfoSecrets(transport.baseUrl)];
}

export type Method = 'GET' | 'POST' | 'DELETE';

export interface ApiCall {
  method: Method;
  /** Below the base URL, with its query. */
  path: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Names the call in retry logs ("create text-to-3d task"). */
  what: string;
  signal?: AbortSignal;
}

/** A successful answer: its status, its body parsed as JSON (null when empty), its headers. */
export interface Answer {
  status: number;
  json: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends a call to Meshy, retrying it as far as `mayRetry` allows for its method. */
export function callMeshy(transport: Transport, call: ApiCall): Promise<Answer> {
  return withRetries(
    transport,
    call.what,
    () => sendOnce(transport, call),
    (error) => mayRetry(call.method, error),
    call.signal,
  );
}

/**
 * Reads and deletes are retried on anything transient: rate limits, server errors and network
 * failures. A create (POST) is paid for, so it is sent again only when it certainly created nothing:
 * Meshy refused it (429: rate or queue), or the connection failed before the request was written.
 * Its other failures are settled against the task list (see `createTask` in tasks.ts).
 */
export function mayRetry(method: Method, error: unknown): boolean {
  if (method === 'POST') return (error instanceof MeshyApiError && error.status === 429) || (error instanceof MeshyNetworkError && error.notSent);
  return error instanceof MeshyNetworkError || (error instanceof MeshyApiError && (error.status === 429 || error.status >= 500));
}

/** One attempt: waits for the rate gate, sends with the key, maps a failure to a typed error, parses the JSON. */
export async function sendOnce(transport: Transport, { method, path, body, signal }: ApiCall): Promise<Answer> {
  await transport.gate(signal);
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${transport.baseUrl}${path}`, {
      method,
      dispatcher: transport.dispatcher,
      signal,
      headers: { ...authHeader(transport), accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw networkError(transport, method, path, cause);
  }
  let text: string;
  try {
    text = await response.body.text();
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    throw networkError(transport, method, path, cause, false);
  }
  if (response.statusCode >= 400) throw apiError(transport, method, path, response.statusCode, text, response.headers);
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

/**
 * Opens a Server-Sent Events stream (no body timeout: a task can run for minutes between events).
 * An error status is thrown as a MeshyApiError; network failures are thrown as they come.
 */
export async function openEventStream(transport: Transport, path: string, signal: AbortSignal): Promise<Dispatcher.ResponseData> {
  await transport.gate(signal);
  const response = await request(`${transport.baseUrl}${path}`, {
    method: 'GET',
    dispatcher: transport.dispatcher,
    signal,
    headers: { ...authHeader(transport), accept: 'text/event-stream' },
    headersTimeout: 60_000,
    bodyTimeout: 0,
  });
  if (response.statusCode >= 400) throw apiError(transport, 'GET', path, response.statusCode, await response.body.text(), response.headers);
  return response;
}

function authHeader(transport: Transport): { authorization: string } {
  return { authorization: `Bearer ${transport.apiKey}` };
}

function networkError(transport: Transport, method: string, path: string, cause: unknown, maybeNotSent = true): MeshyNetworkError {
  const notSent = maybeNotSent && failedBeforeSending(cause);
  const reason = (cause as Error)?.message ?? String(cause);
  return new MeshyNetworkError(
    `Could not reach Meshy at ${stripUserInfo(transport.baseUrl)} (${method} ${path}): ${redact(reason, transportSecrets(transport))}`,
    {
      cause,
      notSent,
      method,
      path,
    },
  );
}

/** An error status as a MeshyApiError carrying Meshy's own message (never the key) and its Retry-After. */
export function apiError(transport: Transport, method: string, path: string, status: number, text: string, headers: Answer['headers']): MeshyApiError {
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
    meshyMessage: redact(message, transportSecrets(transport)),
    method,
    path,
    requestId: Array.isArray(requestId) ? requestId[0] : requestId,
    retryAfterMs: parseRetryAfter(headers['retry-after']),
  });
}

/** Checks an answer against its zod schema; `what` names it in the error. */
export function parseShape<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new MeshyResponseError(`Meshy's ${what} did not have the documented shape (${describeIssue(parsed.error)})`, { what }, parsed.error);
}

/** The first problem zod found, as `path: message`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'body'}: ${issue?.message}`;
}
