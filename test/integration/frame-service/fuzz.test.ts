/**
 * A short fuzz (~20k frames, test/helpers/frame-fuzz.ts) against a FrameServer whose handlers
 * decode bodies with the commands/ codecs: afterwards the server still answers a valid request,
 * holds no connection or request, has answered well-framed responses only, and its heap has not
 * grown with the number of frames.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cmd,
  ResultCode,
  decodeBatchDeleteRequest,
  decodeCropRequest,
  decodeQueueDeletesRequest,
  encodeBatchDeleteRequest,
  encodeBatchDeleteResponse,
  encodeCropRequest,
  encodeCropResponse,
  encodeQueueDeletesRequest,
  fileIdOfUrl,
} from '@pic-storage/frame-protocol';
import { FrameServer, type FrameHandler } from '@pic-storage/frame-service';
import { fuzzFrames, probe, type FuzzOptions } from '../../helpers/frame-fuzz.js';
import { waitFor } from './raw-frame-conn.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const ID = 'g01/M00/00/00/CgEBxVxhGVKAVKsFAAvFE0AZv0c668.jpg';
const crop = { hostid: 0, fdfsUrl: ID, clipW: 0, clipH: 0, startX: 0, startY: 0, thumbW: 10, thumbH: 10 };

const HANDLERS: [number, FrameHandler][] = [
  [
    Cmd.CROP,
    ({ body }) => {
      const request = decodeCropRequest(body);
      const file = fileIdOfUrl(request.fdfsUrl);
      return { body: encodeCropResponse({ hostid: request.hostid, fdfsUrl: `${file.group}/${file.filename}` }) };
    },
  ],
  [
    Cmd.QUEUE_DELETES,
    async ({ body }) => {
      const pics = decodeQueueDeletesRequest(body);
      await new Promise((resolve) => setImmediate(resolve)); // keeps requests in flight
      return { ret: pics.length > 0 ? 0 : ResultCode.INTERNAL };
    },
  ],
  [
    Cmd.BATCH_DELETE,
    ({ body }) => {
      const results = decodeBatchDeleteRequest(body).map(({ url }) => {
        try {
          fileIdOfUrl(url);
          return 0;
        } catch {
          return ResultCode.BAD_ARGUMENT;
        }
      });
      const ret = results.every((r) => r === 0) ? 0 : ResultCode.PARTIAL;
      return { ret, body: encodeBatchDeleteResponse(results) };
    },
  ],
];

const SAMPLES = new Map([
  [Cmd.CROP, [encodeCropRequest(crop), encodeCropRequest({ ...crop, fdfsUrl: `/download.fcgi/${ID}` })]],
  [Cmd.QUEUE_DELETES, [encodeQueueDeletesRequest([{ hostid: 0, url: ID }])]],
  [
    Cmd.BATCH_DELETE,
    [
      encodeBatchDeleteRequest([
        { hostid: 0, url: ID },
        { hostid: 1, url: 'not a file id' },
      ]),
    ],
  ],
]);

let server: FrameServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('FrameServer under fuzz', () => {
  it('still serves after ~20k random and mutated frames, and its heap does not grow with them', async () => {
    const maxFrameLength = 64 * 1024;
    server = new FrameServer({ handlers: new Map(HANDLERS), port: 0, maxFrameLength, maxInFlightPerConnection: 16 });
    await server.start();
    const address = { host: '127.0.0.1', port: server.address.port };
    const options: FuzzOptions = {
      frames: 2_000,
      seed: 1,
      cmds: [...SAMPLES.keys()],
      samples: SAMPLES,
      maxFrameLength,
    };

    const warmUp = await fuzzFrames(address, options);
    expect(warmUp.sent).toBe(2_000);
    const before = heapAfterGc();

    const report = await fuzzFrames(address, { ...options, frames: 20_000, seed: 20_250_601, connections: 6 });
    expect(report.sent).toBe(20_000);
    expect(report.responses).toBeGreaterThan(1_000);
    expect(report.closedByServer).toBeGreaterThan(0);
    expect(report.connects).toBeGreaterThan(6); // it reconnected after the server's closes
    expect(report.badResponses).toBe(0);
    expect(report.stalls).toBe(0);
    expect(report.notClosed).toBe(0); // every bad len on a connection in step closed it

    expect(await probe(address, Cmd.CROP, encodeCropRequest(crop))).toBe(0);
    expect(await probe(address, Cmd.QUEUE_DELETES, Buffer.alloc(3))).toBe(ResultCode.BAD_BODY);
    expect(await probe(address, 77)).toBe(ResultCode.UNKNOWN_CMD);
    await waitFor(() => server?.stats.connections === 0, 'every connection closed');
    expect(server.stats).toMatchObject({ inFlight: 0 });
    expect(server.stats.framingErrors).toBeGreaterThan(0);

    // Ten times the frames of the warm-up: a per-frame leak of even 1 KiB would show as ~20 MB.
    const growth = heapAfterGc() - before;
    expect(growth).toBeLessThan(8 * 1024 * 1024);
  });
});
