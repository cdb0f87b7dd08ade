/**
 * PictureCache for tests: entries are `{ bytes }`, logs are kept in `logs`, and every cache made
 * is closed by `closeTestCaches()` (call it in afterEach).
 *
 *   const { cache, logs } = await testCache({ maxBytes: 64 * 1024, maxEntryBytes: 16 * 1024 });
 */
import { PictureCache, type PictureCacheOptions } from '@pic-storage/picture-cache';

export interface TestEntry {
  key: string;
  bytes: Buffer;
}

export interface LogLine {
  level: 'info' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

const made: PictureCache<TestEntry>[] = [];

export async function testCache(
  options: Partial<Omit<PictureCacheOptions<TestEntry>, 'logger'>> = {},
): Promise<{ cache: PictureCache<TestEntry>; logs: LogLine[] }> {
  const logs: LogLine[] = [];
  const log =
    (level: LogLine['level']) =>
    (fields: object, message: string): void =>
      void logs.push({ level, message, fields: fields as Record<string, unknown> });
  const cache = new PictureCache<TestEntry>({
    maxBytes: 1024 * 1024,
    maxEntryBytes: 256 * 1024,
    entryOf: (key, bytes) => ({ key, bytes }),
    bytesOf: (entry) => entry.bytes,
    ...options,
    logger: { info: log('info'), warn: log('warn') },
  });
  made.push(cache);
  await cache.start();
  return { cache, logs };
}

export async function closeTestCaches(): Promise<void> {
  await Promise.all(made.splice(0).map((cache) => cache.close()));
}

/** `length` bytes that tell keys apart: the key's text repeated. */
export function bytesFor(key: string, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  if (length > 0) bytes.fill(key);
  return bytes;
}

/** An origin that counts its calls, answering bytesFor(key, length) after `delayMs`. */
export function countingOrigin(length: number, delayMs = 0): ((key: string) => Promise<Buffer>) & { calls: string[] } {
  const calls: string[] = [];
  const origin = async (key: string): Promise<Buffer> => {
    calls.push(key);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return bytesFor(key, length);
  };
  return Object.assign(origin, { calls });
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes (then throws `what`). */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
