import { ProtocolError } from '../errors.js';
import { GROUP_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { Encoder } from '../encoder.js';
import { addressSize, readAddress, type Address, writeAddress } from '../address.js';
import { decodeWithIpSizes, type IpFieldSize } from '../ip-field.js';
import { type Command, noBody } from '../command.js';
import { Cmd } from '../constants.js';
import { encodeGroup } from '../group-file.js';

/*
 * QUERY_STORE_WITHOUT_GROUP_ONE (101) / WITH_GROUP_ONE (104) / WITHOUT_GROUP_ALL (106) / WITH_GROUP_ALL (107)
 * tracker/tracker_service.c 3083-3456.
 *
 * Request: 101/106 empty; 104/107 group[16].
 * Response ONE, 40 bytes (16-byte IPs) or 70 (46-byte IPs):
 *    0  group[16]
 *   16  ip[15 | 45]
 *   31  port int64            (61 with 46-byte IPs)
 *   39  store_path_index u8   (69)
 * Response ALL: group[16], n × {ip[15 | 45], port int64}, store_path_index u8.
 */
export interface StoreTarget extends Address {
  group: string;
  /** Send back in UPLOAD; 0xFF (-1 on the C side) lets the storage pick. */
  storePathIndex: number;
}

export interface StoreTargets {
  group: string;
  storages: Address[];
  storePathIndex: number;
}

export function storeOneLength(ipSize: IpFieldSize): number {
  return GROUP_NAME_SIZE + addressSize(ipSize) + 1;
}

export function encodeStoreOneResponse(target: StoreTarget, ipSize: IpFieldSize): Buffer {
  const e = new Encoder().writeFixedString(target.group, GROUP_NAME_SIZE);
  return writeAddress(e, target, ipSize).writeUInt8(target.storePathIndex).toBuffer();
}

export function decodeStoreOneResponse(body: Buffer): StoreTarget {
  return decodeWithIpSizes(body.length, GROUP_NAME_SIZE + 1, 'query store', (ipSize) => {
    if (body.length !== storeOneLength(ipSize)) throw new ProtocolError(`query store: body of ${body.length} bytes`);
    const d = new Decoder(body, 'query store response');
    const group = d.readFixedString(GROUP_NAME_SIZE);
    const { host, port } = readAddress(d, ipSize);
    const storePathIndex = d.readUInt8();
    d.end();
    return { group, host, port, storePathIndex };
  });
}

export function encodeStoreAllResponse(targets: StoreTargets, ipSize: IpFieldSize): Buffer {
  const e = new Encoder().writeFixedString(targets.group, GROUP_NAME_SIZE);
  for (const storage of targets.storages) writeAddress(e, storage, ipSize);
  return e.writeUInt8(targets.storePathIndex).toBuffer();
}

export function decodeStoreAllResponse(body: Buffer): StoreTargets {
  return decodeWithIpSizes(body.length, GROUP_NAME_SIZE + 1, 'query store all', (ipSize) => {
    const d = new Decoder(body, 'query store all response');
    const group = d.readFixedString(GROUP_NAME_SIZE);
    const storages: Address[] = [];
    while (d.remaining > 1) storages.push(readAddress(d, ipSize));
    const storePathIndex = d.readUInt8();
    d.end();
    return { group, storages, storePathIndex };
  });
}

/** 101: the tracker picks the group. */
export const QueryStore: Command<void, StoreTarget> = {
  cmd: Cmd.QUERY_STORE_WITHOUT_GROUP_ONE,
  name: 'query store',
  idempotent: true,
  encode: noBody,
  decode: decodeStoreOneResponse,
};

/** 104: a storage of the given group. */
export const QueryStoreInGroup: Command<string, StoreTarget> = {
  cmd: Cmd.QUERY_STORE_WITH_GROUP_ONE,
  name: 'query store',
  idempotent: true,
  encode: encodeGroup,
  decode: decodeStoreOneResponse,
};

/** 106: every storage that can take an upload, in the group the tracker picks. */
export const QueryStoreAll: Command<void, StoreTargets> = {
  cmd: Cmd.QUERY_STORE_WITHOUT_GROUP_ALL,
  name: 'query store all',
  idempotent: true,
  encode: noBody,
  decode: decodeStoreAllResponse,
};

/** 107: every storage of the given group that can take an upload. */
export const QueryStoreAllInGroup: Command<string, StoreTargets> = {
  cmd: Cmd.QUERY_STORE_WITH_GROUP_ALL,
  name: 'query store all',
  idempotent: true,
  encode: encodeGroup,
  decode: decodeStoreAllResponse,
};
