import { GROUP_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { readAddress, type Address, writeAddress } from '../address.js';
import { decodeWithIpSizes, type IpFieldSize } from '../ip-field.js';
import type { Command } from '../command.js';
import { Cmd } from '../constants.js';
import { ProtocolError } from '../errors.js';
import { decodeGroupFile, encodeGroupFile, type GroupFile } from '../group-file.js';
import { MAX_FILENAME_LENGTH } from '../file-id.js';

/*
 * QUERY_FETCH_ONE (102) / QUERY_UPDATE (103) / QUERY_FETCH_ALL (105)
 * tracker/tracker_service.c 3008-3080.
 *
 * Request: group[16] + remote filename (see group-file.ts); the server requires
 *   16 + 22 <= length < 16 + 128.
 * Response, 39 bytes (16-byte IPs) or 69 (46-byte IPs):
 *    0  group[16]
 *   16  ip[15 | 45]
 *   31  port int64
 * FETCH_ALL appends one {ip[15 | 45], port int64} per further storage (no group).
 */
export interface FetchTargets {
  group: string;
  storages: Address[];
}

export function encodeFetchResponse(targets: FetchTargets, ipSize: IpFieldSize): Buffer {
  const e = new Encoder().writeFixedString(targets.group, GROUP_NAME_SIZE);
  for (const storage of targets.storages) writeAddress(e, storage, ipSize);
  return e.toBuffer();
}

/** Decodes 102/103 (one storage) and 105 (one or more) alike. */
export function decodeFetchResponse(body: Buffer): FetchTargets {
  return decodeWithIpSizes(body.length, GROUP_NAME_SIZE, 'query fetch', (ipSize) => {
    const d = new Decoder(body, 'query fetch response');
    const group = d.readFixedString(GROUP_NAME_SIZE);
    const storages: Address[] = [];
    while (d.remaining > 0) storages.push(readAddress(d, ipSize));
    return { group, storages };
  });
}

/** The tracker's bound on the filename of 102/103/105 (a literal 22 in tracker_service.c 3008-3029). */
export const MIN_FETCH_FILENAME_LENGTH = 22;

/** 102/103/105 request: 16 + 22 <= length < 16 + 128. The tracker does not parse the name further. */
export function decodeFetchRequest(body: Buffer): GroupFile {
  const min = GROUP_NAME_SIZE + MIN_FETCH_FILENAME_LENGTH;
  if (body.length < min || body.length > GROUP_NAME_SIZE + MAX_FILENAME_LENGTH) {
    throw new ProtocolError(`query fetch: body of ${body.length} bytes`);
  }
  return decodeGroupFile(body, 'query fetch request');
}

/** 102/103 name exactly one storage, 105 one or more. */
function decodeTargets(name: string, one: boolean): (body: Buffer) => FetchTargets {
  return (body) => {
    const targets = decodeFetchResponse(body);
    const n = targets.storages.length;
    if (n === 0 || (one && n !== 1)) throw new ProtocolError(`${name}: reply names ${n} storages`);
    return targets;
  };
}

/** 102: a storage to read the file from. */
export const QueryFetchOne: Command<GroupFile, FetchTargets> = {
  cmd: Cmd.QUERY_FETCH_ONE,
  name: 'query fetch',
  idempotent: true,
  encode: encodeGroupFile,
  decode: decodeTargets('query fetch', true),
};

/** 103: the storage to change the file on (its source). */
export const QueryUpdate: Command<GroupFile, FetchTargets> = {
  cmd: Cmd.QUERY_UPDATE,
  name: 'query update',
  idempotent: true,
  encode: encodeGroupFile,
  decode: decodeTargets('query update', true),
};

/** 105: every storage that can serve the file. */
export const QueryFetchAll: Command<GroupFile, FetchTargets> = {
  cmd: Cmd.QUERY_FETCH_ALL,
  name: 'query fetch all',
  idempotent: true,
  encode: encodeGroupFile,
  decode: decodeTargets('query fetch all', false),
};
