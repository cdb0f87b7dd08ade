/**
 * Runs `work` on every item with at most `limit` running at once, in item order, and settles when
 * all have. `work` reports its own failures (it must not throw: a throw is a bug, and rejects).
 * Stops starting new items once `signal` is aborted.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && signal?.aborted !== true) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
