import type { StorageNode } from '../storage-node.js';
import type { Reply } from './reply-writer.js';
import type { RequestBody } from './request-body.js';

/**
 * One request as a handler sees it. FastDFS has no request id: a connection carries one
 * request at a time, answered in order (libserverframe), so the handler pulls the body as it
 * arrives, and bytes after it belong to the next request.
 */
export interface Request {
  readonly cmd: number;
  /** The header's status byte: 0, or QUERY_FILE_INFO flags. */
  readonly flags: number;
  readonly body: RequestBody;
}

/**
 * Serves one command against the embedded cluster's one storage. A StatusError thrown is
 * answered with its status (see status.ts); a ReadError from the body closes the connection.
 */
export type Handler = (req: Request, node: StorageNode) => Promise<Reply>;

/** A role's commands: command code → handler (tracker/dispatch.ts, storage/dispatch.ts). */
export type CommandTable = Readonly<Partial<Record<number, Handler>>>;
