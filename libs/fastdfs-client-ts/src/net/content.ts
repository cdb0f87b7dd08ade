import type { Readable } from 'node:stream';
import type { RequestSpec } from './connection.js';

/** What an upload sends: bytes in memory, or a stream of a size known up front. */
export type Content = Buffer | { stream: Readable | AsyncIterable<Buffer>; size: number };

export function contentSize(content: Content): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

/** Splits content into the request parts: in-memory bytes join the body, a stream follows it. */
export function withContent(body: Buffer, content: Content): Pick<RequestSpec, 'body' | 'stream'> {
  if (Buffer.isBuffer(content)) return { body: Buffer.concat([body, content]) };
  return { body, stream: { source: content.stream, size: content.size } };
}
