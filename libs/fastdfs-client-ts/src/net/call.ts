import type { Command } from 'fastdfs-protocol';
import type { Connection, RequestSpec, ResponseStream } from './connection.js';
import { type Content, contentSpec } from './content.js';

/** The request of `command` as the connection sends it: header fields, then the encoded body and any content. */
function spec<Req>(
  command: Command<Req, unknown>,
  request: Req,
  maxResponseBody: number,
  content?: Content,
): RequestSpec {
  const out: RequestSpec = {
    cmd: command.cmd,
    operation: command.name,
    status: command.status?.(request) ?? 0,
    maxResponseBody,
    body: command.encode(request),
  };
  return content === undefined ? out : Object.assign(out, contentSpec(content));
}

/** Sends one command on `conn` and decodes its reply (`maxResponseBody` bounds what is read into memory). */
export async function call<Req, Res>(
  conn: Connection,
  command: Command<Req, Res>,
  request: Req,
  maxResponseBody: number,
  content?: Content,
): Promise<Res> {
  return command.decode(await conn.request(spec(command, request, maxResponseBody, content)));
}

/** Sends one command and resolves once the reply header is in, with the body as a stream (downloads). */
export function callStream<Req>(
  conn: Connection,
  command: Command<Req, unknown>,
  request: Req,
  maxResponseBody: number,
): Promise<ResponseStream> {
  return conn.requestStream(spec(command, request, maxResponseBody));
}

/** May the command be sent again after a stale connection failed it? Never when its content was a stream. */
export function retrySafe(command: Command<never, unknown>, content?: Content): boolean {
  return command.idempotent && (content === undefined || Buffer.isBuffer(content));
}
