/**
 * A connected loopback socket pair for tests of what is written to a socket: `writer` is the
 * connecting end, `peer` the accepted one. Errors on either end are ignored (a test that destroys
 * one end sees the other reset). `close()` destroys both and closes the listener.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface SocketPair {
  readonly writer: Socket;
  readonly peer: Socket;
  close(): Promise<void>;
}

export async function socketPair(): Promise<SocketPair> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const writer = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    writer.once('connect', resolve);
    writer.once('error', reject);
  });
  const peer = await accepted;
  writer.on('error', () => undefined);
  peer.on('error', () => undefined);
  return {
    writer,
    peer,
    close: async () => {
      writer.destroy();
      peer.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
