/*
 * 11 UPLOAD_FILE and 23 UPLOAD_APPENDER_FILE (storage_service.c 4528-4730): body >= 15;
 * store_path_index -1 (storage picks) or 0, else EINVAL; file_size == body - 15 else EINVAL;
 * ext validated. The name encodes the source IP, the file's mtime, the size (appender: the
 * appender bit) and the CRC32 (2265-2320). Content up to SMALL_CONTENT_BYTES is taken whole
 * into memory, then written under its final name, stamped with the time its name encodes; larger
 * content is streamed into data/.tmp/ and placed when complete, named after its mtime. Either way
 * a request that fails or stalls leaves nothing behind.
 */
import { crc32 } from 'node:zlib';
import {
  buildRemoteFilename,
  Cmd,
  decodeUploadHead,
  encodeGroupFile,
  type FilenameFields,
  UPLOAD_HEAD_SIZE,
  validateExt,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { markSourceUpdate } from './counters.js';
import { placeReceived, receiveContent, SMALL_CONTENT_BYTES, writeUnderFreshName } from './place.js';
import { checkMaxUploadSize, checkUploadSize } from './upload-size.js';

export const upload: Handler = async (req, node) => {
  const { body } = req;
  const { options, state, store } = node;
  if (body.length < UPLOAD_HEAD_SIZE) throw invalid(`upload: body of ${body.length} bytes`);
  checkMaxUploadSize(node, body.length - UPLOAD_HEAD_SIZE); // before reading on: the body is not wanted
  const head = decodeUploadHead(await body.read(UPLOAD_HEAD_SIZE), body.length);
  const pathIndex = head.storePathIndex > 127 ? head.storePathIndex - 256 : head.storePathIndex; // int8 on the wire
  if (pathIndex !== -1 && pathIndex !== 0) throw invalid(`upload: store path index ${pathIndex} does not exist`);
  validateExt(head.ext);
  await checkUploadSize(node, head.fileSize);
  state.counters.totalUploadBytes += head.fileSize;
  const sub = state.nextSubdir();
  const name = (content: Pick<FilenameFields, 'createTimestamp' | 'crc32'>): string =>
    buildRemoteFilename({
      ...content,
      source: options.sourceIp,
      fileSize: head.fileSize,
      appender: req.cmd === Cmd.UPLOAD_APPENDER_FILE,
      ext: head.ext,
      storePathIndex: 0,
      subdirHigh: sub.high,
      subdirLow: sub.low,
    });
  let filename: string;
  if (head.fileSize <= SMALL_CONTENT_BYTES) {
    const content = await body.read(head.fileSize);
    const crc = crc32(content);
    const placed = await writeUnderFreshName(store, content, (createTimestamp) =>
      name({ createTimestamp, crc32: crc }),
    );
    filename = placed.parsed.filename;
  } else {
    const got = await receiveContent(req, node, head.fileSize);
    filename = await placeReceived(node, got, () => name({ createTimestamp: got.mtime, crc32: got.crc32 }));
  }
  state.counters.successUploadBytes += head.fileSize;
  markSourceUpdate(node);
  return { body: encodeGroupFile({ group: options.groupName, filename }) };
};
