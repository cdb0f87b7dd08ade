/**
 * replyFrame, socket-free: what one request gets back. The reply echoes cmd, id and
 * seq; a thrown ResultError is its code, header-only; anything else, and a reply that cannot be
 * sent, is INTERNAL (1099), logged as an error. The frame is never handed over inside the call.
 */
import { describe, expect, it } from 'vitest';
import { ResultCode, ResultError, decodeHeader, encodeFrame, type FrameHeader } from '@pic-storage/frame-protocol';
import type { FrameHandler, ServiceLogger } from '@pic-storage/frame-service';
import { replyFrame } from '../../../libs/frame-service/src/reply-frame.js';
import { hex } from '../../helpers/golden.js';

const HEADER: FrameHeader = { len: 22, cmd: 3005, id: 12345, seq: 0x01020304, ret: 0 };

function recorder(): ServiceLogger & { lines: { level: string; object: object; message?: string }[] } {
  const lines: { level: string; object: object; message?: string }[] = [];
  const log =
    (level: string) =>
    (object: object, message?: string): void => {
      lines.push({ level, object, message });
    };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

function contextOf(logger: ServiceLogger, maxFrameLength = 1024) {
  return { remoteAddress: '127.0.0.1', signal: new AbortController().signal, maxFrameLength, logger };
}

async function reply(handler: FrameHandler | undefined, maxFrameLength = 1024) {
  const logger = recorder();
  let inCall = true;
  const frame = await new Promise<Buffer>((resolve, reject) => {
    replyFrame(handler, HEADER, hex('01020304'), contextOf(logger, maxFrameLength), (done) =>
      inCall ? reject(new Error('the frame was handed over inside the call')) : resolve(done),
    );
    inCall = false;
  });
  return { frame, header: decodeHeader(frame), body: frame.subarray(18), lines: logger.lines };
}

describe('replyFrame', () => {
  it('echoes cmd, id and seq, with the handler ret and body', async () => {
    const { frame } = await reply(({ body }) => ({ ret: 1011, body: Buffer.concat([body, body]) }));
    expect(frame).toEqual(hex('1a000000 | bd0b | 39300000 | 04030201 | f3030000 | 01020304 01020304'));
  });

  it('ret 0 and no body by default; an async handler is awaited', async () => {
    const { frame } = await reply(async () => ({}));
    expect(frame).toEqual(encodeFrame({ cmd: 3005, id: 12345, seq: 0x01020304 }));
  });

  it('no handler is UNKNOWN_CMD, header-only', async () => {
    const { header, body, lines } = await reply(undefined);
    expect([header.ret, header.len, body.length]).toEqual([ResultCode.UNKNOWN_CMD, 18, 0]);
    expect(lines).toMatchObject([{ level: 'info', object: { cmd: 3005, result: 'UNKNOWN_CMD' } }]);
  });

  it('a thrown ResultError is its code, header-only, its message logged at info (never sent)', async () => {
    const { header, body, lines } = await reply(() => {
      throw new ResultError(ResultCode.NOT_FOUND, 'g01/M00/00/00/x.jpg is gone');
    });
    expect([header.ret, body.length]).toEqual([1004, 0]);
    expect(lines).toMatchObject([
      { level: 'info', object: { seq: 0x01020304, ret: 1004, reason: 'g01/M00/00/00/x.jpg is gone' } },
    ]);
  });

  it('a rejected promise of a ResultError is its code too', async () => {
    const { header } = await reply(() => Promise.reject(new ResultError(ResultCode.BAD_IMAGE)));
    expect(header.ret).toBe(1006);
  });

  it.each([
    [
      'a thrown Error',
      (): never => {
        throw new Error('boom');
      },
      'boom',
    ],
    [
      'a thrown string',
      (): never => {
        throw 'boom';
      },
      undefined,
    ],
    ['a ret that is not a uint32', () => ({ ret: -1 }), 'the handler replied with ret -1, not a uint32'],
    ['a ret that is not an integer', () => ({ ret: 1.5 }), 'the handler replied with ret 1.5, not a uint32'],
    ['a body that is not a Buffer', () => ({ body: 'x' as unknown as Buffer }), 'not a Buffer'],
    ['a reply over maxFrameLength', () => ({ body: Buffer.alloc(1024 - 17) }), 'exceeds maxFrameLength 1024'],
    ['no reply at all', () => undefined as unknown as object, undefined],
  ])('%s is INTERNAL, logged as an error', async (_what, handler, message) => {
    const { header, body, lines } = await reply(handler as FrameHandler);
    expect([header.ret, header.seq, body.length]).toEqual([ResultCode.INTERNAL, 0x01020304, 0]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', message: 'request failed', object: { cmd: 3005 } });
    if (message !== undefined) expect(String((lines[0]?.object as { err: Error }).err.message)).toContain(message);
  });

  it('a reply exactly maxFrameLength long is sent', async () => {
    const { header } = await reply(() => ({ body: Buffer.alloc(1024 - 18) }));
    expect([header.ret, header.len]).toEqual([0, 1024]);
  });
});
