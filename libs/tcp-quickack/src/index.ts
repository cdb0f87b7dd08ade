/**
 * TCP_QUICKACK for Node sockets: call quickAck(socket) after each read so that the kernel ACKs
 * what it just received at once instead of after its delayed-ACK timer (40 ms and up on Linux).
 * Without the native addon (not built, not Linux) or with PIC_TCP_QUICKACK=0, quickAck() does
 * nothing and quickAckAvailable is false. PIC_TCP_QUICKACK is read once, when this module loads.
 */
import type { Socket } from 'node:net';
import { loadAddon } from './addon.js';
import { socketFd } from './socket-fd.js';

const { addon, enabled, reason } = loadAddon(process.env);
const active = enabled ? addon : null;

/** Whether quickAck() sets TCP_QUICKACK (the addon loaded, Linux, PIC_TCP_QUICKACK not 0). */
export const quickAckAvailable: boolean = active !== null;

/** Why quickAck() is a no-op, for a log line; undefined when quickAckAvailable. */
export const quickAckUnavailableReason: string | undefined = reason;

/**
 * Sets TCP_QUICKACK on `socket` so that the data it just received is ACKed now. The kernel
 * clears the flag again once the connection looks interactive (after the next reply), so call
 * it after every read, e.g. `socket.on('data', () => quickAck(socket))`. Never throws: a socket
 * without a descriptor (closed, not connected) or an error from the kernel is ignored.
 */
export function quickAck(socket: Socket): void {
  if (active === null) return;
  const fd = socketFd(socket);
  if (fd !== undefined) active.setQuickAck(fd);
}

/**
 * The kernel's quick-ACK state of `socket`, for tests and diagnostics: true when it ACKs at once,
 * false while it delays ACKs (pingpong mode), undefined when it cannot be read (no addon, no
 * descriptor, an error). Readable with PIC_TCP_QUICKACK=0 too, when the addon is there.
 */
export function quickAckState(socket: Socket): boolean | undefined {
  if (addon === null) return undefined;
  const fd = socketFd(socket);
  if (fd === undefined) return undefined;
  const state = addon.getQuickAck(fd);
  return state < 0 ? undefined : state === 1;
}
