/** One Server-Sent Event: `event:` (default "message") and its `data:` lines joined by newlines. */
export interface ServerSentEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Parses a text/event-stream body as the WHATWG spec reads it: lines end in LF, CRLF or CR; a blank
 * line ends an event; `:` lines are comments (keep-alives); multi-line `data:` fields are joined.
 * `onBytes` is called for every chunk, so a caller can reset an idle timer on keep-alives too.
 */
export async function* parseEventStream(
  chunks: AsyncIterable<Uint8Array | string>,
  onBytes?: () => void,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;

  function* takeLines(final: boolean): Generator<string> {
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      // A lone CR at the end may be the first half of a CRLF split across chunks.
      if (!match || (!final && match[0] === '\r' && match.index === buffer.length - 1)) return;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      yield line;
    }
  }

  function* dispatch(lines: Iterable<string>): Generator<ServerSentEvent> {
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), ...(id === undefined ? {} : { id }) };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
    }
  }

  for await (const chunk of chunks) {
    onBytes?.();
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    yield* dispatch(takeLines(false));
  }
  buffer += decoder.decode();
  yield* dispatch(takeLines(true));
  // An event not followed by a blank line is incomplete, and per the spec discarded.
}
