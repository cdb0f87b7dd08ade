import type { Socket } from 'node:net';

/**
 * The part of a net.Socket's libuv handle this package reads. Node does not expose a socket's
 * file descriptor: net.Socket keeps its TCPWrap in the undocumented `_handle` (null before
 * connect and after close), whose `fd` getter is the descriptor on Unix and -1 on Windows.
 */
interface SocketInternals {
  _handle?: { fd?: unknown } | null;
}

/**
 * The OS file descriptor of `socket`, or undefined when it has none (not connected, closed,
 * Windows, or a socket not backed by a TCP handle). The one place that reaches into Node's
 * internals: if a Node version drops `_handle.fd`, quickAck() degrades to a no-op here.
 */
export function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as SocketInternals)._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}
