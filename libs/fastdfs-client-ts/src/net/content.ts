import type { Readable } from 'node:stream';
import type { RequestSpec } from './connection.js';

/** What an upload sends: bytes in memory, or a stream of a size known up front. */
export type Content = Buffer | { stream: Readable | AsyncIterable<Buffer>; size: number };

export function contentSize(content: Content): number {
  return Buffer.isBuffer(content) ? content.length : content.size;
}

/** The content's part of a request: bytes in memory are sent as they are (never copied), a stream follows the body. */
export function contentSpec(content: Content): Pick<RequestSpec, 'content' | 'stream'> {
  if (Buffer.isBuffer(content)) return { content };
  return { stream: { source: content.stream, size: content.size } };
}
