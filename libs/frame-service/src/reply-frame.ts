import {
  HEADER_SIZE,
  ResultCode,
  ResultError,
  encodeFrame,
  resultName,
  type FrameHeader,
} from '@pic-storage/frame-protocol';
import type { FrameHandler, FrameReply } from './handler.js';
import type { ServiceLogger } from './logger.js';

export interface ReplyContext {
  readonly remoteAddress: string;
  readonly signal: AbortSignal;
  readonly maxFrameLength: number;
  readonly logger: ServiceLogger;
}

const SERVICE_TROUBLE = new Set<number>([
  ResultCode.STORAGE_UNAVAILABLE,
  ResultCode.BACKEND_UNAVAILABLE,
  ResultCode.INTERNAL,
]);

/** Takes the response frame of one request; called once, never from inside the call that started it. */
export type FrameDone = (frame: Buffer) => void;

/**
 * Hands `done` the response frame to one request: the handler's reply with the request's cmd, id
 * and seq. No handler is UNKNOWN_CMD; a thrown ResultError is a header-only reply with its code
 * (logged at info: the client's mistake, or a known failure); anything else thrown, and a reply
 * that cannot be sent (a ret that is not a uint32, a frame over maxFrameLength), is INTERNAL,
 * logged as an error. `done` always comes later than the call (a microtask at the soonest), so a
 * connection starting frames in a loop is not re-entered.
 */
export function replyFrame(
  handler: FrameHandler | undefined,
  header: FrameHeader,
  body: Buffer,
  context: ReplyContext,
  done: FrameDone,
): void {
  let reply: Promise<FrameReply> | FrameReply;
  try {
    if (handler === undefined) throw new ResultError(ResultCode.UNKNOWN_CMD, `no handler for cmd ${header.cmd}`);
    reply = handler({ header, body, remoteAddress: context.remoteAddress, signal: context.signal });
  } catch (err) {
    const frame = refusalFrame(header, err, context);
    queueMicrotask(() => done(frame));
    return;
  }
  if (typeof (reply as Partial<PromiseLike<FrameReply>> | undefined)?.then !== 'function') {
    const frame = replyOf(header, reply as FrameReply, context);
    queueMicrotask(() => done(frame));
    return;
  }
  // The handler's promise is followed once, with no promise of this function's own on top.
  (reply as PromiseLike<FrameReply>).then(
    (settled) => done(replyOf(header, settled, context)),
    (err: unknown) => done(refusalFrame(header, err, context)),
  );
}

function replyOf(header: FrameHeader, reply: FrameReply, context: ReplyContext): Buffer {
  const { cmd, id, seq } = header;
  try {
    return encodeFrame({ cmd, id, seq, ret: checkedRet(reply) }, checkedBody(reply, context.maxFrameLength));
  } catch (err) {
    return refusalFrame(header, err, context);
  }
}

/** The header-only answer to a request whose handler threw (or whose reply cannot be sent), logged. */
export function refusalFrame(
  header: Pick<FrameHeader, 'cmd' | 'id' | 'seq'>,
  err: unknown,
  context: ReplyContext,
): Buffer {
  const { cmd, id, seq } = header;
  const where = { cmd, seq, id, remote: context.remoteAddress };
  if (err instanceof ResultError) {
    // The caller's mistakes (a bad body, an unknown key) are info; the service's own trouble
    // (storage or backend down, internal) is a warning an operator should see.
    const level = SERVICE_TROUBLE.has(err.code) ? 'warn' : 'info';
    context.logger[level]({ ...where, ret: err.code, result: resultName(err.code), reason: err.message }, 'refused');
    return encodeFrame({ cmd, id, seq, ret: err.code });
  }
  context.logger.error({ ...where, err }, 'request failed');
  return encodeFrame({ cmd, id, seq, ret: ResultCode.INTERNAL });
}

function checkedRet(reply: FrameReply): number {
  const ret = reply.ret ?? ResultCode.OK;
  if (!Number.isInteger(ret) || ret < 0 || ret > 0xffffffff) {
    throw new TypeError(`the handler replied with ret ${String(ret)}, not a uint32`);
  }
  return ret;
}

function checkedBody(reply: FrameReply, maxFrameLength: number): Buffer | undefined {
  const { body } = reply;
  if (body === undefined) return undefined;
  if (!Buffer.isBuffer(body)) throw new TypeError('the handler replied with a body that is not a Buffer');
  if (HEADER_SIZE + body.length > maxFrameLength) {
    throw new RangeError(`the reply of ${HEADER_SIZE + body.length} bytes exceeds maxFrameLength ${maxFrameLength}`);
  }
  return body;
}
