// A lean load generator for the framed services, what wrk is for HTTP: raw frames kept `depth` deep
// on each connection, the frames of a turn written at once, each response checked (its cmd echoed,
// its seq one this connection awaits) and counted by ret. No promise, no timer and no object per
// request: on a 2-core machine the generator shares the CPUs with what it measures, and a heavy one
// takes them from the side that runs more processes (a proxy and its backend against the backend
// alone). FrameClient (runLoad of session-check.bench.mjs) costs ~3 us of CPU per request here;
// this, ~1.5.
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers';
import { HEADER_SIZE, encodeFrame } from '@pic-storage/frame-protocol';

/** A response that no request awaits, or a broken frame: the measurement is void. */
class LoadError extends Error {}

/** No response for this long while requests are in flight: the run is given up. */
const STALL_MS = 30_000;

/**
 * Requests/s of `clients` connections to host:port, `depth` requests of `cmd` in flight on each, for
 * `seconds`; each body from nextBody(). The rate counts the responses until the last one in flight
 * is in. Returns { rate, rets: Map<ret, count> }; rejects on a connection error or a response that
 * does not match.
 */
export async function runFrameLoad({ host, port, clients, depth, seconds, cmd, nextBody }) {
  const sockets = await Promise.all(Array.from({ length: clients }, () => open(host, port)));
  const rets = new Map();
  let count = 0;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  try {
    await Promise.all(
      sockets.map((socket) =>
        drive(socket, { depth, stopAt, cmd, nextBody }, (ret) => {
          count++;
          rets.set(ret, (rets.get(ret) ?? 0) + 1);
        }),
      ),
    );
  } finally {
    for (const socket of sockets) socket.destroy();
  }
  return { rate: count / ((performance.now() - start) / 1000), rets };
}

function open(host, port) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true }, () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** One connection's requests: resolves when the run is over and every request sent has its response. */
function drive(socket, { depth, stopAt, cmd, nextBody }, counted) {
  return new Promise((resolve, reject) => {
    const awaited = new Set();
    let seq = 0;
    let batch = [];
    let rest;
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    const flush = () => {
      socket.write(batch.length === 1 ? batch[0] : Buffer.concat(batch));
      batch = [];
    };
    const send = () => {
      seq = (seq % 0xffffffff) + 1;
      awaited.add(seq);
      if (batch.length === 0) setImmediate(flush);
      batch.push(encodeFrame({ cmd, id: 0, seq }, nextBody()));
    };
    socket.setTimeout(STALL_MS, () => fail(new LoadError(`no response from the server for ${STALL_MS} ms`)));
    socket.on('error', fail);
    socket.on('close', () => {
      if (awaited.size > 0) fail(new LoadError(`the server closed with ${awaited.size} requests unanswered`));
    });
    socket.on('data', (chunk) => {
      const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
      const sending = performance.now() < stopAt;
      let at = 0;
      while (buf.length - at >= HEADER_SIZE) {
        const len = buf.readUInt32LE(at);
        if (len < HEADER_SIZE) return fail(new LoadError(`a response frame of length ${len}`));
        if (buf.length - at < len) break;
        const answered = buf.readUInt32LE(at + 10);
        if (buf.readUInt16LE(at + 4) !== cmd || !awaited.delete(answered)) {
          return fail(new LoadError(`a response (cmd ${buf.readUInt16LE(at + 4)}, seq ${answered}) no request awaits`));
        }
        counted(buf.readUInt32LE(at + 14));
        if (sending) send();
        at += len;
      }
      rest = at < buf.length ? buf.subarray(at) : undefined;
      if (awaited.size === 0) resolve();
    });
    for (let i = 0; i < depth; i++) send();
  });
}
