import { createParser } from 'eventsource-parser';

/** One Server-Sent Event: `event:` (default "message") and its `data:` lines joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Reads a text/event-stream body into events with `eventsource-parser` (the WHATWG rules: LF, CRLF
 * or CR line ends, `:` comments as keep-alives, multi-line `data:` joined, an unterminated last
 * event dropped). `onBytes` is called for every chunk, so a caller can reset an idle timer on
 * keep-alives too.
 */
export async function* parseEventStream(chunks: AsyncIterable<Uint8Array | string>, onBytes?: () => void): AsyncGenerator<ServerSentEvent> {
  const parsed: ServerSentEvent[] = [];
  const parser = createParser({
    onEvent: ({ event, data, id }) => parsed.push({ event: event || 'message', data, ...(id === undefined ? {} : { id }) }),
  });
  const decoder = new TextDecoder();
  let endsInCr = false;
  const feed = (text: string) => {
    if (text) endsInCr = text.endsWith('\r');
    parser.feed(text);
  };
  for await (const chunk of chunks) {
    onBytes?.();
    feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    yield* parsed.splice(0);
  }
  feed(decoder.decode());
  // The parser holds a final CR back as the possible first half of a CRLF; at the end it is a line end.
  if (endsInCr) parser.feed('\n');
  yield* parsed.splice(0);
}
