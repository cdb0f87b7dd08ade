import { LRUCache } from 'lru-cache';

/**
 * What an entry costs beyond its bytes, in the byte bound. Measured on Node 20 (heapUsed after
 * 20,000 entries shaped like the front's: a 60-character file id as key, an entry object holding
 * the Buffer and six precomputed header strings, 100-byte pictures): about 640 bytes an entry for
 * the key, the entry and headers, the Buffer object and lru-cache's slot in its map and arrays.
 * heapUsed leaves out the malloc header of each Buffer's backing store. 1 KiB rounds that up with
 * room for longer headers, so that many tiny pictures cannot hold much more memory than maxBytes.
 */
export const ENTRY_OVERHEAD_BYTES = 1024;

export interface MemoryTierOptions<E> {
  /** Sum of sizeOf(entry) held at most; 0: nothing is held. */
  maxBytes: number;
  /** Entries whose bytes are longer are not held. */
  maxEntryBytes: number;
  bytesOf(entry: E): Buffer;
}

/**
 * The first level: an LRU bounded in bytes. Entries never expire by time (a file id's bytes never
 * change); they leave by eviction (least recently used first) or purge.
 */
export class MemoryTier<E extends object> {
  private readonly lru: LRUCache<string, E> | undefined;
  private evicted = 0;

  constructor(private readonly options: MemoryTierOptions<E>) {
    if (options.maxBytes === 0) return;
    this.lru = new LRUCache<string, E>({
      maxSize: options.maxBytes,
      sizeCalculation: (entry) => this.sizeOf(entry),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.evicted++;
      },
    });
  }

  /** What an entry counts for in the bound: its bytes plus ENTRY_OVERHEAD_BYTES. */
  sizeOf(entry: E): number {
    return this.options.bytesOf(entry).length + ENTRY_OVERHEAD_BYTES;
  }

  /** Whether an entry of `length` bytes may be held at all. */
  accepts(length: number): boolean {
    return (
      this.lru !== undefined &&
      length <= this.options.maxEntryBytes &&
      length + ENTRY_OVERHEAD_BYTES <= this.options.maxBytes
    );
  }

  /** Marks the entry most recently used. */
  get(key: string): E | undefined {
    return this.lru?.get(key);
  }

  /** Without touching the LRU order. */
  peek(key: string): E | undefined {
    return this.lru?.peek(key);
  }

  /** Holds the entry when it fits (evicting the least recently used as needed); false when it may not be held. */
  set(key: string, entry: E): boolean {
    if (this.lru === undefined || !this.accepts(this.options.bytesOf(entry).length)) return false;
    this.lru.set(key, entry);
    return true;
  }

  delete(key: string): boolean {
    return this.lru?.delete(key) ?? false;
  }

  clear(): void {
    this.lru?.clear();
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get evictions(): number {
    return this.evicted;
  }
}
