import { describe, expect, it } from 'vitest';
import { parseEventStream } from '../../src/meshy/sse.js';

async function collect(chunks: string[]) {
  const events = [];
  for await (const event of parseEventStream(
    (async function* () {
      yield* chunks;
    })(),
  ))
    events.push(event);
  return events;
}

describe('parseEventStream', () => {
  it('reads named events, joins multi-line data and skips comments', async () => {
    const events = await collect([': keep-alive\n\n', 'event: message\ndata: {"a":\ndata: 1}\n\n', 'event: error\ndata: x\n\n']);
    expect(events).toEqual([
      { event: 'message', data: '{"a":\n1}' },
      { event: 'error', data: 'x' },
    ]);
  });

  it('handles CRLF and CR line ends split across chunks', async () => {
    const events = await collect(['data: one\r', '\n\r', '\ndata: two\r\r']);
    expect(events.map((e) => e.data)).toEqual(['one', 'two']);
  });

  it('defaults the event name to message and drops an unterminated last event', async () => {
    const events = await collect(['data: a\n\ndata: incomplete']);
    expect(events).toEqual([{ event: 'message', data: 'a' }]);
  });

  it('decodes UTF-8 split across byte chunks, keeps ids and calls onBytes for every chunk', async () => {
    const bytes = new TextEncoder().encode('id: 7\ndata: caf\u00e9\n\n: ping\n\n');
    const chunks = [bytes.subarray(0, 16), bytes.subarray(16)]; // the cut falls inside the two bytes of the accented letter
    let calls = 0;
    const events = [];
    for await (const event of parseEventStream(
      (async function* () {
        yield* chunks;
      })(),
      () => calls++,
    ))
      events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'caf\u00e9', id: '7' }]);
    expect(calls).toBe(2);
  });
});
