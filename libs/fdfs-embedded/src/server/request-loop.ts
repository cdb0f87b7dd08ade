import type { Socket } from 'node:net';
import { FrameError } from '@pic-storage/framing';
import { Cmd, Errno } from 'fastdfs-protocol';
import type { EmbeddedLogger } from '../options.js';
import { invalid, statusOf } from '../status.js';
import type { StorageNode } from '../storage-node.js';
import type { TrackedConnection } from './connection-table.js';
import type { CommandTable, Request } from './handler.js';
import { ReadError } from './read-error.js';
import { type Reply, writeReply } from './reply-writer.js';
import { RequestSource } from './request-source.js';

export interface RequestLoopConfig {
  role: 'tracker' | 'storage';
  commands: CommandTable;
  node: StorageNode;
  networkTimeoutMs: number;
  idleTimeoutMs: number;
  logger: EmbeddedLogger;
  /** The listener's record of this connection (ConnectionTable): it sees when the connection is idle. */
  tracked?: TrackedConnection;
  /** Called after a read that leaves a request incomplete: the embedded server sets TCP_QUICKACK there. */
  onPartialRead?: (socket: Socket) => void;
}

/** A refused request whose unread body is at most this long is skipped; a longer one closes the connection. */
const DRAIN_LIMIT = 64 * 1024;
/** How long a connection closed after a refused request keeps swallowing the client's bytes (see lingerAndClose). */
const LINGER_MS = 2000;

/**
 * Serves one connection's requests in order until the peer quits, a timeout strikes, or a
 * request leaves the stream unreadable. One request at a time: its reply is written before
 * the next header is looked at (FastDFS has no request id). A reply the client does not read
 * holds the loop in writeReply, so its pipelined requests pile up unparsed and its socket is
 * paused (SocketFlow); a client whose requests are all buffered yields its turn every
 * YIELD_EVERY requests.
 */
export async function serveConnection(socket: Socket, config: RequestLoopConfig): Promise<void> {
  const { logger, role, networkTimeoutMs } = config;
  const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  socket.setNoDelay(true);
  const source = new RequestSource(socket, networkTimeoutMs, config.idleTimeoutMs, config.onPartialRead);
  config.tracked?.observe(source);
  try {
    for (;;) {
      await source.yieldTurn();
      const incoming = await source.next();
      // 82 QUIT: close without a reply (tracker_service.c 4455-4457, storage_service.c 8590-8592).
      if (incoming === null || incoming.header.cmd === Cmd.QUIT) {
        socket.destroy();
        return;
      }
      const { header, body } = incoming;
      const started = Date.now();
      const reply = await answer({ cmd: header.cmd, flags: header.status, body }, config, peer);
      await writeReply(socket, reply, networkTimeoutMs);
      logger.debug({ role, peer, cmd: header.cmd, status: reply.status ?? 0, ms: Date.now() - started }, 'request');
      if (body.remaining > DRAIN_LIMIT) {
        lingerAndClose(socket, source, networkTimeoutMs);
        return;
      }
      // A small unread rest (a request refused early) is skipped so the connection stays usable.
      if (body.remaining > 0) await body.stream(body.remaining, () => undefined);
    }
  } catch (err) {
    const reason = closeReason(err);
    if (reason === undefined) logger.warn({ role, peer, err }, 'connection failed');
    else if (reason !== 'closed') logger.info({ role, peer, reason }, 'closing connection');
    socket.destroy();
  }
}

/** Runs the command's handler; what it throws becomes a status (a ReadError ends the connection). */
async function answer(req: Request, config: RequestLoopConfig, peer: string): Promise<Reply> {
  const { logger, role } = config;
  try {
    const handler = config.commands[req.cmd];
    // tracker_service.c 4500-4507, storage_service.c 8628-8634
    if (handler === undefined) throw invalid(`unknown cmd ${req.cmd}`);
    return await handler(req, config.node);
  } catch (err) {
    if (err instanceof ReadError) throw err;
    const status = statusOf(err);
    if (status === Errno.EIO) logger.error({ role, peer, cmd: req.cmd, err }, 'request failed');
    else logger.debug({ role, peer, cmd: req.cmd, status, reason: (err as Error).message }, 'request refused');
    return { status };
  }
}

/** Why the connection ends, as logged: the peer closed, a timeout, or undefined for a failure. */
function closeReason(err: unknown): ReadError['reason'] | undefined {
  if (err instanceof ReadError) return err.reason;
  if (err instanceof FrameError && err.reason === 'closed') return 'closed';
  // A reply the peer stopped reading: the writer's timeout is network_timeout.
  if (err instanceof FrameError && err.reason === 'timeout') return 'network-timeout';
  return undefined;
}

/**
 * The body was not (fully) read, so the next header cannot be found: close. The reply is
 * already written; keep reading (and dropping) for a moment so the kernel does not answer
 * the client's in-flight bytes with a reset that could discard the reply.
 */
function lingerAndClose(socket: Socket, source: RequestSource, networkTimeoutMs: number): void {
  source.discardAll();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), Math.min(LINGER_MS, networkTimeoutMs));
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
