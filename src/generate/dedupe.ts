/**
 * Shares work per key: while a call for `key` is pending, later calls for the same key get its
 * promise instead of starting `produce` again; once it settles the key is forgotten, so the next
 * call starts afresh (and reads the store, where the result now is).
 */
export function createDedupe<K, V>(): (key: K, produce: () => Promise<V>) => Promise<V> {
  const pending = new Map<K, Promise<V>>();
  return (key, produce) => {
    let promise = pending.get(key);
    if (!promise) {
      promise = produce().finally(() => pending.delete(key));
      pending.set(key, promise);
    }
    return promise;
  };
}
