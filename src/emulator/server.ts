import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Account, bearerKey, takeRequestSlot } from './accounts.js';
import { ANIMATION_LIBRARY_PATH, libraryAnswer } from './animation-library.js';
import { serveAsset } from './downloads.js';
import { type RequestFaultOf, resetConnection, sendRateLimit, sendServerError } from './faults/index.js';
import { type Answer, ApiError, errorAnswer, readJsonObject, sendAnswer, sendJson } from './http.js';
import type { EmulatedResource } from './resource.js';
import { STREAM_FAULTS } from './sse.js';
import { type EmulatorState, recordFault, settle } from './state.js';
import { createTask, deleteTask, getTask, listTasks, streamTaskEvents } from './task-routes.js';

/** https://docs.meshy.ai/en/api/quick-start: `x-api-version` names the server version; its format is undocumented. */
const API_VERSION = 'meshy-emulator-2026.10';

type Route =
  | { action: 'balance' }
  | { action: 'library' }
  | { action: 'create' | 'list'; resource: EmulatedResource }
  | { action: 'get' | 'delete'; resource: EmulatedResource; id: string }
  | { action: 'stream'; resource: EmulatedResource; id: string };

export interface EmulatorServer {
  server: Server;
  /** Stops open streams and drops every connection, idle keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}

export function createEmulatorServer(state: EmulatorState): EmulatorServer {
  const streams = new Set<() => void>();
  const server = createServer((req, res) => {
    state.stats.requests++;
    const started = performance.now();
    res.on('finish', () => state.options.log?.(`${req.method} ${req.url} → ${res.statusCode} (${Math.round(performance.now() - started)} ms)`));
    handle(state, req, res, streams).catch((error: unknown) => {
      if (!(error instanceof ApiError)) state.options.log?.(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (res.headersSent) return void res.destroy();
      const status = error instanceof ApiError ? error.status : 500;
      const message = error instanceof ApiError ? error.message : 'Internal server error.';
      sendJson(res, status, { message }, error instanceof ApiError ? error.headers : {});
    });
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        for (const stop of streams) stop();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      })),
  };
}

/** Faults that replace a request's answer (or come instead of handling it). */
const TRANSPORT_FAULTS = ['rate-limit', 'server-error', 'connection-reset'] as const;
type TransportFault = RequestFaultOf<(typeof TRANSPORT_FAULTS)[number]>;

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse, streams: Set<() => void>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  const isAsset = url.pathname.startsWith('/assets/');
  const route = isAsset ? undefined : matchRoute(state.resources, method, url.pathname);
  const fault = state.faults.take(TRANSPORT_FAULTS, method, url.pathname);
  // Only an API call that answers at once can take effect and then lose its answer.
  const losesAnswer = fault !== undefined && fault.kind !== 'rate-limit' && fault.takesEffect && !isAsset && route?.action !== 'stream';
  if (fault && !losesAnswer) return injectTransportFault(state, fault, req, res);
  if (isAsset) return serveAsset(state, req, res, url);

  res.setHeader('x-api-version', API_VERSION);
  res.setHeader('x-request-id', randomUUID());
  let answer: Answer;
  try {
    const { route: admitted, account } = admit(state, req, route);
    if (admitted.action === 'stream') {
      const decorate = extraFieldsFor(state, method, url.pathname);
      const stream = state.faults.take(STREAM_FAULTS, method, url.pathname);
      return streamTaskEvents(state, admitted.resource, account, admitted.id, res, streams, { stream, decorate });
    }
    answer = await answerRoute(state, admitted, account, req, url);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    answer = errorAnswer(error);
  }
  // The request took effect (a create made and charged its task); now its answer is lost.
  if (fault) return injectTransportFault(state, fault, req, res);
  sendAnswer(
    res,
    withRetryAfter(
      state,
      method,
      url.pathname,
      withOddListItem(state, method, url.pathname, route, withExtraFields(state, method, url.pathname, route, answer)),
    ),
  );
}

/** A successful answer with the Retry-After of a `retry-after` fault, if one applies. */
function withRetryAfter(state: EmulatorState, method: string, pathname: string, answer: Answer): Answer {
  if (answer.status >= 300) return answer;
  const fault = state.faults.take(['retry-after'], method, pathname);
  if (!fault) return answer;
  recordFault(state, fault.kind);
  return { ...answer, headers: { ...answer.headers, 'retry-after': String(fault.seconds) } };
}

/** A task list with the extra item of an `odd-list-item` fault, if one applies. */
function withOddListItem(state: EmulatorState, method: string, pathname: string, route: Route | undefined, answer: Answer): Answer {
  if (route?.action !== 'list' || answer.status >= 300 || !Array.isArray(answer.body)) return answer;
  const fault = state.faults.take(['odd-list-item'], method, pathname);
  if (!fault) return answer;
  recordFault(state, fault.kind);
  const body = [...answer.body];
  body.splice(fault.at, 0, fault.item);
  return { ...answer, body };
}

/** Checks that come before any route: browsers, unknown routes, keys and the request rate. */
function admit(state: EmulatorState, req: IncomingMessage, route: Route | undefined): { route: Route; account: Account } {
  const now = state.options.now();
  settle(state, now);
  // https://docs.meshy.ai/en/api/authentication: browsers may not call the API (403). A browser must preflight a call that carries
  // Authorization, so refusing the preflight (and sending no CORS headers) blocks them all.
  if (req.method === 'OPTIONS') throw new ApiError(403, 'Forbidden: the Meshy API cannot be called from a browser; call it from a server');
  // https://docs.meshy.ai/en/api/quick-start: unknown paths, wrong versions (/openapi/v1/text-to-3d) and wrong methods alike.
  if (!route) throw new ApiError(404, 'NoMatchingRoute');
  const account = authenticate(state, req.headers.authorization);
  const wait = takeRequestSlot(account, now, state.options.rateLimitPerSecond);
  // No Retry-After: Meshy sends none on a 429 (https://docs.meshy.ai/en/api/rate-limits); clients back off on their own.
  if (wait) throw new ApiError(429, 'RateLimitExceeded');
  return { route, account };
}

async function answerRoute(
  state: EmulatorState,
  route: Exclude<Route, { action: 'stream' }>,
  account: Account,
  req: IncomingMessage,
  url: URL,
): Promise<Answer> {
  switch (route.action) {
    case 'balance':
      return { status: 200, body: { balance: account.balance } };
    case 'library':
      return libraryAnswer(url.searchParams);
    case 'create':
      return createTask(state, route.resource, account, await readJsonObject(req));
    case 'list':
      return listTasks(state, route.resource, account, url.searchParams);
    case 'get':
      return getTask(state, route.resource, account, route.id);
    case 'delete':
      return deleteTask(state, route.resource, account, route.id);
  }
}

function injectTransportFault(state: EmulatorState, fault: TransportFault, req: IncomingMessage, res: ServerResponse): void {
  recordFault(state, fault.kind);
  state.options.log?.(`fault: ${fault.kind} on ${req.method} ${req.url}`);
  switch (fault.kind) {
    case 'rate-limit':
      sendRateLimit(res, fault);
      break;
    case 'server-error':
      sendServerError(res, fault.status);
      break;
    case 'connection-reset':
      resetConnection(req);
      break;
  }
}

/** A successful create, get or list answer with a fault's unknown fields added to each task object. */
function withExtraFields(state: EmulatorState, method: string, pathname: string, route: Route | undefined, answer: Answer): Answer {
  const carriesTasks = route?.action === 'create' || route?.action === 'get' || route?.action === 'list';
  if (!carriesTasks || answer.status >= 300 || answer.body === undefined) return answer;
  const decorate = extraFieldsFor(state, method, pathname);
  if (!decorate) return answer;
  const body = Array.isArray(answer.body)
    ? answer.body.map((task: Record<string, unknown>) => decorate(task, false))
    : decorate(answer.body as Record<string, unknown>, false);
  recordFault(state, 'extra-fields');
  return { ...answer, body };
}

/** A function adding the unknown fields of an `extra-fields` fault, if one applies; it records the fault unless told not to. */
function extraFieldsFor(state: EmulatorState, method: string, pathname: string) {
  const fault = state.faults.take(['extra-fields'], method, pathname);
  if (!fault) return undefined;
  return (object: Record<string, unknown>, record = true) => {
    if (record) recordFault(state, 'extra-fields');
    return { ...object, ...fault.fields };
  };
}

function matchRoute(resources: readonly EmulatedResource[], method: string, pathname: string): Route | undefined {
  if (pathname === '/openapi/v1/balance') return method === 'GET' ? { action: 'balance' } : undefined;
  // Before the animation resource, whose `/:id` would otherwise take "library" for a task id.
  if (pathname === ANIMATION_LIBRARY_PATH) return method === 'GET' ? { action: 'library' } : undefined;
  for (const resource of resources) {
    if (pathname === resource.path) {
      if (method === 'POST') return { action: 'create', resource };
      if (method === 'GET') return { action: 'list', resource };
      return undefined;
    }
    if (!pathname.startsWith(`${resource.path}/`)) continue;
    const [id, stream, ...rest] = pathname.slice(resource.path.length + 1).split('/');
    if (!id || rest.length > 0) return undefined;
    if (stream === 'stream') return method === 'GET' ? { action: 'stream', resource, id: decodeURIComponent(id) } : undefined;
    if (stream !== undefined) return undefined;
    if (method === 'GET') return { action: 'get', resource, id: decodeURIComponent(id) };
    if (method === 'DELETE') return { action: 'delete', resource, id: decodeURIComponent(id) };
  }
  return undefined;
}

/** https://docs.meshy.ai/en/api/authentication: a missing, malformed or unknown key is 401. */
function authenticate(state: EmulatorState, authorization: string | undefined): Account {
  const key = bearerKey(authorization);
  const account = key === undefined ? undefined : state.accounts.get(key);
  if (!account) throw new ApiError(401, 'Invalid API key');
  return account;
}
