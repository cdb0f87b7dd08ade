/**
 * `bytes` itself, or a copy when it is a small view of a much larger ArrayBuffer (a slice of a
 * socket read, of ioredis's reply buffer, of Node's 8 KiB pool): holding the view would keep the
 * whole ArrayBuffer alive while the byte bound counts only the view. The copy gets an
 * ArrayBuffer of its own (allocUnsafeSlow: Buffer.from would take a small copy from the pool).
 */
export function ownedBytes(bytes: Buffer): Buffer {
  if (bytes.buffer.byteLength <= 2 * bytes.length) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}
