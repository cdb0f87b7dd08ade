import {
  ResultCode,
  ResultError,
  decodeSessionCheckRequest,
  resultName,
  type ResultCodeValue,
} from '@pic-storage/frame-protocol';
import type { FrameReply, FrameRequest, ServiceLogger } from '@pic-storage/frame-service';
import { SessionRefusedError, type SessionGate, type SessionRefusal } from '@pic-storage/session-count';
import { encodeSessionStruct } from '@pic-storage/session-key';

/** Each refusal's result code (docs/frame-protocol.md, cmd 0x10B5). */
const REFUSAL_CODES: Record<SessionRefusal, ResultCodeValue> = {
  invalid: ResultCode.SESSION_INVALID,
  expired: ResultCode.SESSION_EXPIRED,
  exhausted: ResultCode.SESSION_EXHAUSTED,
  unavailable: ResultCode.STORAGE_UNAVAILABLE,
};

/**
 * cmd 0x10B5: one use of the key through the gate (decode, age, count), answered with the 18-byte
 * session struct. Refusals are the client's business, logged at debug; a count that cannot be
 * kept is logged by the counter.
 */
export class SessionCheckHandler {
  constructor(
    private readonly gate: SessionGate,
    private readonly logger: ServiceLogger & { debug(object: object, message?: string): void },
  ) {}

  async serve(request: FrameRequest): Promise<FrameReply> {
    try {
      return { body: encodeSessionStruct(await this.gate.use(decodeSessionCheckRequest(request.body))) };
    } catch (err) {
      const refused =
        err instanceof SessionRefusedError ? new ResultError(REFUSAL_CODES[err.reason], err.message) : err;
      if (!(refused instanceof ResultError)) throw err;
      this.logger.debug(
        {
          id: request.header.id,
          remote: request.remoteAddress,
          ret: resultName(refused.code),
          reason: refused.message,
        },
        'session check refused',
      );
      throw refused;
    }
  }
}
