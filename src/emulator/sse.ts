import type { ServerResponse } from 'node:http';
import type { RequestFaultOf } from './faults/index.js';
import { isFinal, type TaskStatus } from './tasks.js';

/** What a stream needs to know about its task at each tick. */
export interface StreamSnapshot {
  id: string;
  status: TaskStatus;
  progress: number;
  /** Time until the task is final (it may never be). */
  endsInMs: number;
  /** The full task object, sent once the task is final. */
  full(): Record<string, unknown>;
}

/** The faults a stream can carry. */
export const STREAM_FAULTS = ['stream-stall', 'stream-drop', 'stream-bare-final', 'stream-malformed'] as const;

/** A fault to inject into a stream, and what to call when it happens. */
export interface StreamFault {
  fault: RequestFaultOf<(typeof STREAM_FAULTS)[number]>;
  fired(): void;
}

/** Keep-alive comment interval; Meshy's CLI resets its idle timer on any bytes (https://docs.meshy.ai/en/api/text-to-3d). */
const KEEP_ALIVE_MS = 15_000;

/**
 * `GET …/:id/stream` (https://docs.meshy.ai/en/api/text-to-3d): an `event: message` with `{id, progress, status}` whenever they
 * change, then the full task object once it is final, then the server closes the stream. A task
 * that disappears (deleted) ends the stream with the 404 error event. Returns a stop function.
 */
export function streamTask(res: ServerResponse, read: () => StreamSnapshot | undefined, tickMs: number, streamFault?: StreamFault): () => void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  let lastSent = '';
  let eventsSent = 0;
  let silentUntil = 0;
  const fault = streamFault?.fault;

  /** Before each event: a stall starts (and later ends), or the stream is cut. */
  const interrupted = (): boolean => {
    if (fault?.kind === 'stream-stall' && eventsSent === fault.afterEvents && silentUntil === 0) {
      silentUntil = Date.now() + fault.stallMs;
      streamFault!.fired();
    }
    if (Date.now() < silentUntil) return true;
    if (fault?.kind === 'stream-drop' && eventsSent === fault.afterEvents) {
      streamFault!.fired();
      halt();
      if (fault.graceful) res.end();
      else res.socket?.resetAndDestroy();
      return true;
    }
    return false;
  };
  /** Before the event after `afterEvents` events: one event of garbage, once. */
  let malformedSent = false;
  const malformed = () => {
    if (fault?.kind !== 'stream-malformed' || malformedSent || eventsSent !== fault.afterEvents) return;
    malformedSent = true;
    streamFault!.fired();
    res.write(`event: message\ndata: ${fault.data}\n\n`);
  };
  const send = (name: 'message' | 'error', data: unknown, last: boolean) => {
    if (interrupted()) return;
    malformed();
    eventsSent++;
    if (last) end(res, name, data);
    else res.write(event(name, data));
  };
  /** The final event: the full task, or only what an update carries with `stream-bare-final`. */
  const finalEvent = (snapshot: StreamSnapshot) => {
    if (fault?.kind !== 'stream-bare-final') return snapshot.full();
    streamFault!.fired();
    return { id: snapshot.id, progress: snapshot.progress, status: snapshot.status };
  };
  let finalTick: NodeJS.Timeout | undefined;
  const tick = () => {
    if (res.writableEnded || res.destroyed) return;
    const snapshot = read();
    if (!snapshot) return send('error', TASK_NOT_FOUND, true);
    if (isFinal(snapshot.status)) return send('message', finalEvent(snapshot), true);
    // Meshy sends the final event when the task ends, not at the next progress tick: a client
    // waiting to start its next task should not wait for the tick.
    if (snapshot.endsInMs < tickMs && !finalTick) finalTick = setTimeout(tick, Math.max(0, snapshot.endsInMs) + 1);
    const update = { id: snapshot.id, progress: snapshot.progress, status: snapshot.status };
    const text = JSON.stringify(update);
    if (text === lastSent) return;
    // A stalled update is sent once the stall is over, if still news.
    if (interrupted()) return;
    malformed();
    lastSent = text;
    eventsSent++;
    res.write(event('message', update));
  };
  const ticker = setInterval(tick, tickMs);
  const keepAlive = setInterval(() => Date.now() >= silentUntil && res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  const halt = () => {
    clearInterval(ticker);
    clearInterval(keepAlive);
    clearTimeout(finalTick);
  };
  const stop = () => {
    halt();
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  res.on('close', stop);
  tick();
  return stop;
}

/**
 * Unknown task: a 200 stream carrying one `event: error` (https://docs.meshy.ai/en/api/text-to-3d). Whether Meshy answers an HTTP 404
 * instead is undocumented; the documented event is what clients are told to handle.
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
