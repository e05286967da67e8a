import type { ServerResponse } from 'node:http';
import { isFinal, type TaskStatus } from './tasks.js';

/** What a stream needs to know about its task at each tick. */
export interface StreamSnapshot {
  id: string;
  status: TaskStatus;
  progress: number;
  /** The full task object, sent once the task is final. */
  full(): Record<string, unknown>;
}

/** Keep-alive comment interval; Meshy's CLI resets its idle timer on any bytes (§3.1). */
const KEEP_ALIVE_MS = 15_000;

/**
 * `GET …/:id/stream` (§3.1, §8.9): an `event: message` with `{id, progress, status}` whenever they
 * change, then the full task object once it is final, then the server closes the stream. A task
 * that disappears (deleted) ends the stream with the 404 error event. Returns a stop function.
 */
export function streamTask(res: ServerResponse, read: () => StreamSnapshot | undefined, tickMs: number): () => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let lastSent = '';
  const tick = () => {
    const snapshot = read();
    if (!snapshot) return end(res, 'error', TASK_NOT_FOUND);
    if (isFinal(snapshot.status)) return end(res, 'message', snapshot.full());
    const update = { id: snapshot.id, progress: snapshot.progress, status: snapshot.status };
    const text = JSON.stringify(update);
    if (text !== lastSent) {
      lastSent = text;
      res.write(event('message', update));
    }
  };
  const ticker = setInterval(tick, tickMs);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  const stop = () => {
    clearInterval(ticker);
    clearInterval(keepAlive);
    if (!res.writableEnded) res.end();
  };
  res.on('close', stop);
  tick();
  return stop;
}

/**
 * Unknown task: a 200 stream carrying one `event: error` (§3.1). Whether Meshy answers an HTTP 404
 * instead is undocumented (§9.5); the documented event is what clients are told to handle.
 */
export function streamNotFound(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  end(res, 'error', TASK_NOT_FOUND);
}

const TASK_NOT_FOUND = { status_code: 404, message: 'Task not found' };

/** One event, its data on a single line of compact JSON. */
function event(name: 'message' | 'error', data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function end(res: ServerResponse, name: 'message' | 'error', data: unknown): void {
  if (!res.writableEnded) res.end(event(name, data));
}
