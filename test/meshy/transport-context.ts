import { Agent } from 'undici';
import { createRateGate } from '../../src/meshy/retry.js';
import type { Transport } from '../../src/meshy/transport.js';

export const TEST_KEY = 'msy_transport_test_secret_key_42';

/** A transport to a test server: no rate limit to speak of, quick retries, logs collected. */
export function testTransport(baseUrl: string, retries = 3): { transport: Transport; logs: string[]; close(): Promise<void> } {
  const agent = new Agent();
  const logs: string[] = [];
  const transport: Transport = {
    baseUrl,
    apiKey: TEST_KEY,
    dispatcher: agent,
    gate: createRateGate(1000),
    policy: { retries, baseDelayMs: 2, maxDelayMs: 10 },
    log: (line) => logs.push(line),
  };
  return { transport, logs, close: () => agent.close() };
}
