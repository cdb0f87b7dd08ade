/**
 * The connection cannot go on: the peer went away, or its bytes stalled past a timeout
 * (`idle-timeout` between requests, `network-timeout` inside one). No reply is sent.
 */
export class ReadError extends Error {
  constructor(readonly reason: 'closed' | 'network-timeout' | 'idle-timeout') {
    super(`connection ${reason}`);
    this.name = 'ReadError';
  }
}
