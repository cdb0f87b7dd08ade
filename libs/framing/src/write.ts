import type { Socket } from 'node:net';
import { FrameError } from './frame-error.js';

/**
 * Writes with backpressure: resolves at once when the socket buffered `data` below its high
 * water mark, else on 'drain'. Rejects with a FrameError when the socket closes first, or when
 * `timeoutMs` passes without a drain (a peer that stopped reading).
 */
export function writeWithBackpressure(socket: Socket, data: Buffer, timeoutMs = 0): Promise<void> {
  if (socket.destroyed) return Promise.reject(new FrameError('closed', 'socket closed before the write'));
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: FrameError): void => {
      if (timer !== undefined) clearTimeout(timer);
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new FrameError('closed', 'socket closed before the write drained'));
    const timer =
      timeoutMs > 0
        ? setTimeout(() => done(new FrameError('timeout', `peer took no data for ${timeoutMs} ms`)), timeoutMs)
        : undefined;
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  });
}
