import type { IncomingMessage, ServerResponse } from 'node:http';

/** An HTTP error answered as Meshy does: `{ "message": "…" }` (https://docs.meshy.ai/en/api/errors). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** An API answer, built before it is sent so a fault can lose it after the request took effect. */
export interface Answer {
  status: number;
  /** JSON body; none (and Content-Length 0) when undefined. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function sendAnswer(res: ServerResponse, answer: Answer): void {
  if (answer.body !== undefined) {
    sendJson(res, answer.status, answer.body, answer.headers);
    return;
  }
  res.writeHead(answer.status, { ...answer.headers, 'content-length': 0 });
  res.end();
}

export function errorAnswer(error: ApiError): Answer {
  return { status: error.status, body: { message: error.message }, headers: error.headers };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Big enough for a texture image sent as a data URI. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

/** The request body as a JSON object. Anything else is a 400, as a malformed parameter would be. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiError(413, `Request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new ApiError(400, 'Request body is empty: send a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'Request body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'Request body must be a JSON object');
  return body as Record<string, unknown>;
}
