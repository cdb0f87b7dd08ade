import type { CmdCode } from './constants.js';
import { ProtocolError } from './errors.js';

/**
 * A FastDFS command as a value (kafkajs keeps its requests this way): the code, a name for
 * messages, whether sending it twice is harmless, and its codecs from the client's side. Servers
 * use the request decoders and reply encoders that sit beside each command.
 */
export interface Command<Req, Res> {
  readonly cmd: CmdCode;
  /** For messages: "upload", "query fetch". */
  readonly name: string;
  /**
   * Sending it again changes nothing more (reads, overwrites, truncates): a client may retry it
   * when a connection failed before any reply byte. Content sent from a stream is never replayed.
   */
  readonly idempotent: boolean;
  /** The request body; for commands that carry file content, its fixed part (the content follows). */
  encode(request: Req): Buffer;
  /** The header's status byte of the request: 0, except QUERY_FILE_INFO's flags. */
  status?(request: Req): number;
  /** The body of a successful reply; throws ProtocolError when it does not fit the layout. */
  decode(body: Buffer): Res;
}

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** For commands whose request has no body. */
export const noBody = (): Buffer => EMPTY_BODY;

/** For commands whose reply is empty. */
export function expectEmpty(name: string): (body: Buffer) => void {
  return (body) => {
    if (body.length !== 0) throw new ProtocolError(`${name}: unexpected ${body.length}-byte reply`);
  };
}

/** For servers: a request that must have no body (101, 106, 91, 111). */
export function decodeEmptyRequest(body: Buffer, what: string): void {
  if (body.length !== 0) throw new ProtocolError(`${what}: body of ${body.length} bytes, expected none`);
}
