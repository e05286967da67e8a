import { createServer, type HotPayload, type ViteDevServer } from 'vite';
import meshy, { type MeshyPluginOptions } from '../../src/index.js';

export interface DevServer {
  server: ViteDevServer;
  /** Base URL, ending in the Vite base. */
  url: string;
  /** Every HMR message the server sent to browsers, in order. */
  messages: HotPayload[];
  /** Lines the server logged. */
  logs: string[];
  /** Resolves with the first message (from now on, or already sent) that `match` accepts. */
  waitFor: (match: (message: HotPayload) => boolean, timeoutMs?: number) => Promise<HotPayload>;
  close: () => Promise<void>;
}

/** A real `vite` dev server on a free port, recording what it sends over HMR. */
export async function startDevServer(
  root: string,
  options: MeshyPluginOptions,
  extra: { base?: string; preTransformRequests?: boolean } = {},
): Promise<DevServer> {
  const logs: string[] = [];
  const keep = (line: string) => void logs.push(line);
  const server = await createServer({
    root,
    configFile: false,
    base: extra.base ?? '/',
    customLogger: { info: keep, warn: keep, warnOnce: keep, error: keep, clearScreen: () => {}, hasErrorLogged: () => false, hasWarned: false },
    plugins: [meshy(options)],
    server: { host: '127.0.0.1', port: 0, preTransformRequests: extra.preTransformRequests ?? true },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  const messages: HotPayload[] = [];
  const waiters = new Set<() => void>();
  const hot = server.environments.client.hot;
  const send = hot.send.bind(hot) as (...args: unknown[]) => void;
  hot.send = ((...args: unknown[]) => {
    messages.push(typeof args[0] === 'string' ? { type: 'custom', event: args[0], data: args[1] } : (args[0] as HotPayload));
    for (const wake of waiters) wake();
    send(...args);
  }) as typeof hot.send;
  await server.listen();
  const url = server.resolvedUrls!.local[0]!;
  return {
    server,
    url,
    messages,
    logs,
    waitFor: (match, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching HMR message within ${timeoutMs} ms; got: ${JSON.stringify(messages.map((m) => (m.type === 'custom' ? m.event : m.type)))}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    close: () => server.close(),
  };
}

/** A custom HMR event of the plugin, optionally for one model key. */
export function isEvent(event: string, key?: string): (message: HotPayload) => boolean {
  return (message) => message.type === 'custom' && message.event === event && (key === undefined || (message.data as { key?: string }).key === key);
}

/** Evaluates the code of a served `meshy:` module far enough to read its exports. */
export function readModule(code: string): { url: string; meta: { key: string; status: string; prompt: string } } {
  const url = /export default ("[^"]*");/.exec(code)?.[1];
  const meta = /export const meta = (\{.*\});/.exec(code)?.[1];
  if (!url || !meta) throw new Error(`not a meshy module:\n${code.slice(0, 500)}`);
  return { url: JSON.parse(url) as string, meta: JSON.parse(meta) as { key: string; status: string; prompt: string } };
}
