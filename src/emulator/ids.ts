import { randomBytes } from 'node:crypto';

/**
 * Task ids like Meshy's: k-sortable UUIDv7 (https://docs.meshy.ai/en/api/task-lifecycle). Within one millisecond a counter keeps them
 * increasing, so sorting ids sorts tasks by creation even under a frozen test clock.
 */
export function createIdGenerator(): (nowMs: number) => string {
  let lastMs = 0;
  let sequence = 0;
  return (nowMs) => {
    if (nowMs > lastMs) {
      lastMs = Math.floor(nowMs);
      sequence = randomBytes(2).readUInt16BE() & 0x3ff;
    } else if (++sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    const time = lastMs.toString(16).padStart(12, '0');
    const random = randomBytes(8);
    random[0] = (random[0]! & 0x3f) | 0x80; // RFC 9562 variant
    const tail = random.toString('hex');
    const version = (0x7000 | sequence).toString(16);
    return `${time.slice(0, 8)}-${time.slice(8)}-${version}-${tail.slice(0, 4)}-${tail.slice(4)}`;
  };
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
