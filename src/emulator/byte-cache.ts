/**
 * Generated files, least recently used evicted first once their total passes `maxBytes`.
 * Holds promises, so concurrent downloads of one file share a single generation.
 */
export interface ByteCache {
  get(key: string, produce: () => Promise<Uint8Array>): Promise<Uint8Array>;
}

export function createByteCache(maxBytes: number): ByteCache {
  const entries = new Map<string, { bytes: Promise<Uint8Array>; size: number }>();
  let total = 0;

  function evict(): void {
    for (const [key, entry] of entries) {
      if (total <= maxBytes || entries.size <= 1) return;
      if (entry.size === 0) continue; // still generating
      entries.delete(key);
      total -= entry.size;
    }
  }

  return {
    get(key, produce) {
      const hit = entries.get(key);
      if (hit) {
        // Map order is insertion order: re-inserting marks the entry as most recently used.
        entries.delete(key);
        entries.set(key, hit);
        return hit.bytes;
      }
      const entry = { bytes: produce(), size: 0 };
      entries.set(key, entry);
      entry.bytes.then(
        (bytes) => {
          if (entries.get(key) !== entry) return;
          entry.size = bytes.byteLength;
          total += entry.size;
          evict();
        },
        () => entries.delete(key),
      );
      return entry.bytes;
    },
  };
}
