/**
 * One read per key while it is under way. The round gates (quiz.ts, induced-market.ts,
 * trading-channels.ts) read a round's rules once and then remember them; orders that arrive while that
 * first read is under way must share it, or at 5,000 orders/s a slow first read becomes thousands of
 * reads of the game's record (issue 13, docs/throughput.md "Stop 19").
 */

/**
 * Returns the promise of the read of `key` under way in `pending`, or starts `read()` and records it
 * until it settles (resolved or rejected: a later call reads again). Callers share its outcome,
 * rejection included.
 */
export function shareRead<K, T>(pending: Map<K, Promise<T>>, key: K, read: () => Promise<T>): Promise<T> {
  let p = pending.get(key);
  if (!p) {
    p = read().finally(() => pending.delete(key));
    pending.set(key, p);
  }
  return p;
}
