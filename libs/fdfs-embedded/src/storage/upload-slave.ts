/*
 * 21 UPLOAD_SLAVE_FILE (storage_service.c 5454-5680): master name length 11..127, file_size
 * consistent, prefix non-empty, prefix and ext valid (fdfs_validate_filename, tracker_proto.c
 * 265-285): else EINVAL. Master missing → ENOENT; the slave exists → EEXIST. Slave name:
 * fdfs_gen_slave_filename (common/fdfs_global.c 65-153). The slave is placed under its own
 * name's lock (placing never replaces a file, so a racing upload of the same slave gets EEXIST).
 */
import {
  buildSlaveFilename,
  decodeSlaveFixed,
  encodeGroupFile,
  Errno,
  SLAVE_FIXED_SIZE,
  StatusError,
  validateExt,
  validateSlavePrefix,
} from 'fastdfs-protocol';
import type { Handler } from '../server/handler.js';
import { invalid } from '../status.js';
import { markSourceUpdate } from './counters.js';
import { placeReceived, receiveContent } from './place.js';
import { checkMaxUploadSize, checkUploadSize } from './upload-size.js';

export const uploadSlave: Handler = async (req, node) => {
  const { body } = req;
  const { options, state, store } = node;
  if (body.length <= SLAVE_FIXED_SIZE) throw invalid(`upload slave: body of ${body.length} bytes`);
  const head = decodeSlaveFixed(await body.read(SLAVE_FIXED_SIZE), body.length);
  if (head.prefix === '') throw invalid(`upload slave: prefix ${JSON.stringify(head.prefix)}`);
  validateSlavePrefix(head.prefix);
  validateExt(head.ext);
  checkMaxUploadSize(node, head.fileSize);
  const master = (await body.read(head.masterFilenameLength)).toString('latin1');
  const masterLoc = store.locate(master);
  await store.regularFile(masterLoc.path);
  const slave = store.locate(buildSlaveFilename(master, head.prefix, head.ext));
  if (await store.exists(slave.path)) throw new StatusError(Errno.EEXIST, `slave ${slave.parsed.filename} exists`);
  await checkUploadSize(node, head.fileSize);
  state.counters.totalUploadBytes += head.fileSize;
  const got = await receiveContent(req, node, head.fileSize);
  await store.withLock(slave.path, () => placeReceived(node, got, () => slave.parsed.filename));
  state.counters.successUploadBytes += head.fileSize;
  markSourceUpdate(node);
  return { body: encodeGroupFile({ group: options.groupName, filename: slave.parsed.filename }) };
};
