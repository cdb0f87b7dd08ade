import { InvalidArgumentError, ProtocolError } from './errors.js';
import { GROUP_NAME_SIZE } from './constants.js';
import { Decoder } from './decoder.js';
import { Encoder } from './encoder.js';

/**
 * `group[16] + filename` (no NUL): the request body of tracker 102/103/105 and storage
 * 12 DELETE, 15 GET_METADATA, 22 QUERY_FILE_INFO (`fdfs_pack_group_name_and_filename`,
 * tracker_proto.h 476-505). Also the response of 11/21/23 uploads and 38 regenerate.
 */
export interface GroupFile {
  group: string;
  filename: string;
}

export function encodeGroupFile({ group, filename }: GroupFile): Buffer {
  if (Buffer.byteLength(group, 'latin1') > GROUP_NAME_SIZE) {
    throw new InvalidArgumentError(`group name ${JSON.stringify(group)} is longer than ${GROUP_NAME_SIZE} bytes`);
  }
  return new Encoder().writeFixedString(group, GROUP_NAME_SIZE).writeBytes(filename).toBuffer();
}

export function decodeGroupFile(body: Buffer, what = 'group + filename'): GroupFile {
  const d = new Decoder(body, what);
  const group = d.readFixedString(GROUP_NAME_SIZE);
  return { group, filename: d.readRest().toString('latin1') };
}

/** A request naming a file (12, 15, 22): a filename must follow the group (storage_service.c 7727-7737). */
export function decodeFileRequest(body: Buffer, what: string): GroupFile {
  if (body.length <= GROUP_NAME_SIZE) throw new ProtocolError(`${what}: body of ${body.length} bytes`);
  return decodeGroupFile(body, `${what} request`);
}

/** A request that is exactly `group[16]` (90, 104, 107; tracker_service.c 3096-3117, 3464-3489). */
export function decodeGroupRequest(body: Buffer, what: string): string {
  if (body.length !== GROUP_NAME_SIZE) throw new ProtocolError(`${what}: body of ${body.length} bytes`);
  return decodeGroupFile(body, `${what} request`).group;
}

/** A group-only body (`group[16]`): tracker 90, 104, 107 and the first part of 92. */
export function encodeGroup(group: string): Buffer {
  return encodeGroupFile({ group, filename: '' });
}

/** The reply of the commands that store a file (11, 21, 23, 38): the new file's group and name. */
export function decodeStoredFile(name: string): (body: Buffer) => GroupFile {
  return (body) => {
    const file = decodeGroupFile(body, `${name} reply`);
    if (file.filename === '') throw new ProtocolError(`${name}: reply holds no file name`);
    return file;
  };
}
