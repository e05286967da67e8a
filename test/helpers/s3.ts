import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';

/** The bucket every remote-store test uses, and the credentials s3rver knows (it does not check v4 signatures). */
export const BUCKET = 'meshy-team';
export const S3_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
/** Credentials the conditional proxy treats as read-only (a fork's pull request). */
export const READ_ONLY_CREDENTIALS = { ...S3_CREDENTIALS, AWS_ACCESS_KEY_ID: 'READONLY' };

export interface S3Server {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** s3rver (a real S3-protocol server, files in `directory`) on 127.0.0.1, with the test bucket; `port` to restart it where it was. */
export async function startS3rver(directory: string, port = 0): Promise<S3Server> {
  const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, port: address.port, close: () => server.close() };
}

/** Connections the proxy drops on purpose: `times` requests of `method` whose path contains `path`, after `afterBytes` of the body. */
interface Cut {
  method: 'GET' | 'PUT';
  path: string;
  afterBytes: number;
  times: number;
}

export interface ConditionalProxy {
  endpoint: string;
  stats: { conditionalWrites: number; preconditionFailed: number; conflicts: number; writes: number; deniedWrites: number };
  /** Every request (method, URL, Range header), in order. */
  requests: { method: string; url: string; range?: string }[];
  /** Drops connections mid-body (a GET's response, a PUT's request), as a flaky network does. */
  cut(cut: Cut): void;
  close(): Promise<void>;
}

/**
 * A test-only stand-in for AWS S3's conditional writes in front of s3rver, which ignores them
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): a PUT with
 * `If-None-Match: *` on an existing key, or with an `If-Match` ETag that is not the object's, gets
 * 412 PreconditionFailed; a conditional PUT while another one on the same key is in flight gets 409
 * ConditionalRequestConflict. Requests signed with the READONLY access key may read, and get 403
 * AccessDenied for any write.
 */
export async function startConditionalProxy(upstream: string): Promise<ConditionalProxy> {
  const target = new URL(upstream);
  const inFlight = new Set<string>();
  const stats = { conditionalWrites: 0, preconditionFailed: 0, conflicts: 0, writes: 0, deniedWrites: 0 };

  const cuts: Cut[] = [];
  const requests: ConditionalProxy['requests'] = [];
  /** The cut that applies to a request, counted as used. */
  const cutOf = (req: IncomingMessage) => {
    const cut = cuts.find((c) => c.times > 0 && c.method === req.method && (req.url ?? '').includes(c.path));
    if (cut) cut.times--;
    return cut;
  };
  /** Passes a body on, and destroys the connection once `afterBytes` of it went through. */
  const cutAfter = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream, afterBytes: number, destroy: () => void) => {
    let sent = 0;
    if (afterBytes === 0) return setTimeout(destroy, 20);
    from.on('data', (chunk: Buffer) => {
      if (sent >= afterBytes) return;
      const room = afterBytes - sent;
      to.write(room >= chunk.byteLength ? chunk : chunk.subarray(0, room));
      sent += Math.min(room, chunk.byteLength);
      if (sent >= afterBytes) setTimeout(destroy, 20);
    });
  };

  const forward = (req: IncomingMessage, res: ServerResponse, headers: IncomingHttpHeaders, done?: () => void) => {
    const cut = cutOf(req);
    if (cut?.method === 'PUT') {
      cutAfter(req, { write: () => true } as unknown as NodeJS.WritableStream, cut.afterBytes, () => req.socket.destroy());
      return;
    }
    const upstreamRequest = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (response) => {
      res.writeHead(response.statusCode ?? 502, response.headers);
      if (cut) return cutAfter(response, res, cut.afterBytes, () => res.socket?.destroy());
      response.pipe(res);
      response.on('end', () => done?.());
    });
    upstreamRequest.on('error', () => {
      done?.();
      res.destroy();
    });
    req.pipe(upstreamRequest);
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };
  const headOf = (req: IncomingMessage, headers: IncomingHttpHeaders) =>
    new Promise<string | undefined>((resolve, reject) => {
      const { 'content-length': _length, 'if-none-match': _none, 'if-match': _match, ...rest } = headers;
      const head = request({ host: target.hostname, port: target.port, method: 'HEAD', path: req.url, headers: rest }, (response) => {
        response.resume();
        resolve(response.statusCode === 200 ? String(response.headers.etag ?? '') : undefined);
      });
      head.on('error', reject);
      head.end();
    });

  const server = createServer(async (req, res) => {
    const headers = { ...req.headers };
    requests.push({ method: req.method ?? '', url: req.url ?? '', ...(headers.range ? { range: headers.range } : {}) });
    const authorization = String(headers.authorization ?? '');
    const writing = req.method === 'PUT' || req.method === 'POST' || req.method === 'DELETE';
    if (authorization.includes('Credential=READONLY/')) {
      if (writing) {
        stats.deniedWrites++;
        req.resume();
        return fail(res, 403, 'AccessDenied', 'Access Denied');
      }
      headers.authorization = authorization.replace('Credential=READONLY/', 'Credential=S3RVER/');
    }
    if (writing) stats.writes++;
    const noneMatch = headers['if-none-match'];
    const ifMatch = headers['if-match'];
    if (req.method !== 'PUT' || (noneMatch === undefined && ifMatch === undefined)) return forward(req, res, headers);
    stats.conditionalWrites++;
    const path = (req.url ?? '').split('?')[0]!;
    if (inFlight.has(path)) {
      stats.conflicts++;
      req.resume();
      return fail(res, 409, 'ConditionalRequestConflict', 'A conflicting conditional operation is currently in progress against this resource.');
    }
    inFlight.add(path);
    try {
      const etag = await headOf(req, headers);
      const unmet = (noneMatch === '*' && etag !== undefined) || (ifMatch !== undefined && (etag === undefined || etag !== ifMatch));
      if (unmet) {
        inFlight.delete(path);
        stats.preconditionFailed++;
        req.resume();
        return fail(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
    } catch {
      inFlight.delete(path);
      return res.destroy();
    }
    const { 'if-none-match': _none, 'if-match': _match, ...rest } = headers;
    forward(req, res, rest, () => inFlight.delete(path));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    requests,
    cut: (cut) => cuts.push({ ...cut }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
