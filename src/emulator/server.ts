import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { bearerKey, takeRequestSlot, type Account } from './accounts.js';
import { serveAsset } from './downloads.js';
import { ApiError, readJsonObject, sendJson } from './http.js';
import type { TaskResource } from './resource.js';
import { settle, type EmulatorState } from './state.js';
import { createTask, deleteTask, getTask, listTasks, streamTaskEvents } from './task-routes.js';

/** §1.1: `x-api-version` names the server version; its format is undocumented. */
const API_VERSION = 'meshy-emulator-2026.10';

type Route =
  | { action: 'balance' }
  | { action: 'create' | 'list'; resource: TaskResource }
  | { action: 'get' | 'delete' | 'stream'; resource: TaskResource; id: string };

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

async function handle(state: EmulatorState, req: IncomingMessage, res: ServerResponse, streams: Set<() => void>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  if (url.pathname.startsWith('/assets/')) return serveAsset(state, req, res, url);

  res.setHeader('x-api-version', API_VERSION);
  res.setHeader('x-request-id', randomUUID());
  const now = state.options.now();
  settle(state, now);

  // §1.10: browsers may not call the API (403). A browser must preflight a call that carries
  // Authorization, so refusing the preflight (and sending no CORS headers) blocks them all.
  if (req.method === 'OPTIONS') throw new ApiError(403, 'Forbidden: the Meshy API cannot be called from a browser; call it from a server');
  const route = matchRoute(state.resources, req.method ?? 'GET', url.pathname);
  // §0: unknown paths, wrong versions (/openapi/v1/text-to-3d) and wrong methods alike.
  if (!route) throw new ApiError(404, 'NoMatchingRoute');
  const account = authenticate(state, req.headers.authorization);
  const wait = takeRequestSlot(account, now, state.options.rateLimitPerSecond);
  // Retry-After on 429 is an emulator courtesy: Meshy documents none (§5).
  if (wait) throw new ApiError(429, 'RateLimitExceeded', { 'retry-after': String(Math.max(1, Math.ceil(wait.waitMs / 1000))) });

  switch (route.action) {
    case 'balance':
      return sendJson(res, 200, { balance: account.balance });
    case 'create':
      return createTask(state, route.resource, account, await readJsonObject(req), res);
    case 'list':
      return listTasks(state, route.resource, account, url.searchParams, res);
    case 'get':
      return getTask(state, route.resource, account, route.id, res);
    case 'delete':
      return deleteTask(state, route.resource, account, route.id, res);
    case 'stream':
      return streamTaskEvents(state, route.resource, account, route.id, res, streams);
  }
}

function matchRoute(resources: readonly TaskResource[], method: string, pathname: string): Route | undefined {
  if (pathname === '/openapi/v1/balance') return method === 'GET' ? { action: 'balance' } : undefined;
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

/** §1.2: a missing, malformed or unknown key is 401. */
function authenticate(state: EmulatorState, authorization: string | undefined): Account {
  const key = bearerKey(authorization);
  const account = key === undefined ? undefined : state.accounts.get(key);
  if (!account) throw new ApiError(401, 'Invalid API key');
  return account;
}
