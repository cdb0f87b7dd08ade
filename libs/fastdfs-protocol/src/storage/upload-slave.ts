import { EXT_NAME_SIZE, PREFIX_NAME_SIZE } from '../constants.js';
import { Decoder } from '../decoder.js';
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

/** Reads the fixed 38 bytes; the master filename (`masterFilenameLength` bytes) follows. */
export function decodeSlaveFixed(buf: Buffer): Omit<SlaveHead, 'masterFilename'> & { masterFilenameLength: number } {
  const d = new Decoder(buf, 'upload slave request');
  return {
    masterFilenameLength: d.readInt64(),
    fileSize: d.readInt64(),
    prefix: d.readFixedString(PREFIX_NAME_SIZE),
    ext: d.readFixedString(EXT_NAME_SIZE),
  };
}

/** 21: the content follows the head and the master's name. */
export const UploadSlave: Command<SlaveHead, GroupFile> = {
  cmd: Cmd.UPLOAD_SLAVE_FILE, name: 'upload slave', idempotent: false, encode: encodeSlaveHead,
  decode: decodeStoredFile('upload slave'),
};
