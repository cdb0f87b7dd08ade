/**
 * One async mutex per key (a data file's path): callers of `run(key, fn)` with the same key run
 * one after another, in arrival order; different keys do not wait for each other. An entry lives
 * only while someone holds or waits for its key, so the map never holds more entries than there
 * are requests inside a locked section (at most one per storage connection).
 */
export class FileLocks {
  private readonly entries = new Map<string, { tail: Promise<void>; users: number }>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { tail: Promise.resolve(), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users += 1;
    const before = entry.tail;
    let release = (): void => undefined;
    entry.tail = new Promise<void>((resolve) => (release = resolve));
    try {
      await before;
      return await fn();
    } finally {
      release();
      entry.users -= 1;
      if (entry.users === 0) this.entries.delete(key);
    }
  }

  /** Keys held or waited for right now (0 when the storage is idle). */
  get size(): number {
    return this.entries.size;
  }
}
