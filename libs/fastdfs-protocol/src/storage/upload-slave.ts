import { EXT_NAME_SIZE, PREFIX_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
import { ProtocolError } from '../errors.js';
import { MAX_FILENAME_LENGTH, PATH_PREFIX_LENGTH } from '../file-id.js';
import { Encoder } from '../encoder.js';
import type { Command } from '../command.js';
import { Cmd } from '../constants.js';
import { decodeStoredFile, type GroupFile } from '../group-file.js';

/*
 * UPLOAD_SLAVE_FILE (21): client/storage_client.c 951-1198, storage/storage_service.c 5454-5680.
 * Request:
 *    0  master_filename_len  int64
 *    8  file_size            int64
 *   16  prefix_name[16]      NUL-padded
 *   32  ext_name[6]          NUL-padded
 *   38  master filename      (M00/00/00/xxx.jpg, no group)
 *    …  content              file_size bytes
 * Response: group[16] + slave filename (group-file.ts).
 */
export const SLAVE_FIXED_SIZE = 8 + 8 + PREFIX_NAME_SIZE + EXT_NAME_SIZE;

export interface SlaveHead {
  masterFilename: string;
  fileSize: number;
  prefix: string;
  ext: string;
}

export function encodeSlaveHead(head: SlaveHead): Buffer {
  const master = Buffer.from(head.masterFilename, 'latin1');
  return new Encoder()
    .writeInt64(master.length)
    .writeInt64(head.fileSize)
    .writeFixedString(head.prefix, PREFIX_NAME_SIZE)
    .writeFixedString(head.ext, EXT_NAME_SIZE)
    .writeBytes(master)
    .toBuffer();
}

/**
 * Reads the fixed 38 bytes; the master filename (`masterFilenameLength` bytes) follows. Given the
 * request's `bodyLength`, it also checks the name length (storage_service.c 5494-5502) and that
 * the body is the head, the name and exactly `file_size` bytes.
 */
export function decodeSlaveFixed(
  buf: Buffer,
  bodyLength?: number,
): Omit<SlaveHead, 'masterFilename'> & { masterFilenameLength: number } {
  const d = new Decoder(buf, 'upload slave request');
  const head = {
    masterFilenameLength: d.readInt64(),
    fileSize: d.readInt64(),
    prefix: d.readFixedString(PREFIX_NAME_SIZE),
    ext: d.readFixedString(EXT_NAME_SIZE),
  };
  if (bodyLength === undefined) return head;
  if (head.masterFilenameLength <= PATH_PREFIX_LENGTH || head.masterFilenameLength > MAX_FILENAME_LENGTH) {
    throw new ProtocolError(`upload slave: master filename length ${head.masterFilenameLength}`);
  }
  if (head.fileSize < 0 || head.fileSize !== bodyLength - SLAVE_FIXED_SIZE - head.masterFilenameLength) {
    throw new ProtocolError(`upload slave: file size ${head.fileSize} does not match the body of ${bodyLength} bytes`);
  }
  return head;
}

/** 21: the content follows the head and the master's name. */
export const UploadSlave: Command<SlaveHead, GroupFile> = {
  cmd: Cmd.UPLOAD_SLAVE_FILE,
  name: 'upload slave',
  idempotent: false,
  encode: encodeSlaveHead,
  decode: decodeStoredFile('upload slave'),
};
