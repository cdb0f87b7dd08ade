import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HIGH_WATER, PIPELINE_HIGH_WATER, SocketFlow } from '../../../libs/fdfs-embedded/src/server/socket-flow.js';

describe('SocketFlow', () => {
  let server: Server;
  let client: Socket;
  let socket: Socket;
  let flow: SocketFlow;

  beforeEach(async () => {
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    [socket] = (await accepted) as [Socket];
    socket.on('data', () => undefined); // flowing, as the request source makes it
    flow = new SocketFlow(socket);
  });
  afterEach(async () => {
    client.destroy();
    socket.destroy();
    server.close();
    await once(server, 'close');
  });

  it('pauses at the pipeline bound of unparsed bytes, and resumes once they are parsed', () => {
    flow.received(PIPELINE_HIGH_WATER - 1);
    flow.settle();
    expect(socket.isPaused()).toBe(false);
    flow.received(1);
    flow.settle();
    expect(socket.isPaused()).toBe(true);
    flow.parsedHeader(10);
    flow.settle();
    expect(socket.isPaused()).toBe(false);
    expect(flow.buffered).toBe(PIPELINE_HIGH_WATER - 10);
  });

  it('lets a body in flight grow to HIGH_WATER: only pipelined bytes have the small bound', () => {
    flow.received(HIGH_WATER - 1);
    flow.parsedBody(HIGH_WATER - 1);
    flow.settle();
    expect(socket.isPaused()).toBe(false);
    flow.received(1);
    flow.parsedBody(1);
    flow.settle();
    expect(socket.isPaused()).toBe(true);
    flow.taken(1);
    expect(socket.isPaused()).toBe(false);
  });

  it('a starving reader gets bytes whatever is held, until it is fed', () => {
    flow.received(PIPELINE_HIGH_WATER);
    flow.settle();
    expect(socket.isPaused()).toBe(true);
    flow.starving();
    expect(socket.isPaused()).toBe(false);
    flow.received(10);
    flow.settle();
    expect(socket.isPaused()).toBe(false);
    flow.fed();
    expect(socket.isPaused()).toBe(true);
    flow.dropAll();
    expect(socket.isPaused()).toBe(false);
    expect(flow.buffered).toBe(0);
  });
});
