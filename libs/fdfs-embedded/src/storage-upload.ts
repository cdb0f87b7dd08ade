import { truncate } from 'node:fs/promises';
import type { Handler, Request } from './connection.js';
import { invalid } from './status.js';
import { counted, locateAppender, markSourceUpdate, MAX_NAME_BUFFER, MIN_APPENDER_NAME } from './storage-common.js';
import type { StorageNode } from './storage-node.js';
import type { Received } from './store.js';
import { APPEND_FIXED_SIZE, buildRemoteFilename, buildSlaveFilename, Cmd, decodeAppenderFixed, decodeSlaveFixed, decodeUploadHead, encodeGroupFile, Errno, MODIFY_FIXED_SIZE, SLAVE_FIXED_SIZE, StatusError, UPLOAD_HEAD_SIZE, validateExt } from 'fastdfs-protocol';

/*
 * The commands that carry file content: 11 upload, 23 appender upload, 21 slave upload,
 * 24 append, 34 modify. Content is streamed into `data/.tmp/` (never held in memory) while its
 * CRC32 is computed, and only then placed: a request that fails or stalls leaves nothing behind.
 * Checks and statuses follow storage/storage_service.c (6.16.1).
 */

/** FDFS_FILE_PREFIX_MAX_LEN chars, fdfs_validate_filename's alphabet (tracker_proto.c 265-285). */
const NAME_PART_RE = /^[A-Za-z0-9_.-]*$/;
/** A name is regenerated on a collision up to 10 times (storage_get_filename_ex, 2104-2130). */
const NAME_ATTEMPTS = 10;

export function uploadHandlers(node: StorageNode): Record<number, Handler> {
  const { options, store, state } = node;

  const checkSize = async (size: number): Promise<void> => {
    if (size > options.maxUploadSize) {
      throw new StatusError(Errno.ENOSPC, `${size} bytes exceeds maxUploadSize ${options.maxUploadSize}`);
    }
    if ((await store.diskSpace()).freeBytes < size) throw new StatusError(Errno.ENOSPC, 'no space left on the store path');
  };

  const receive = (req: Request, size: number): Promise<Received> =>
    store.receive(size, (sink) => req.stream(size, sink));

  /**
   * 11 / 23 (4528-4730): body >= 15; store_path_index -1 (storage picks) or 0, else EINVAL;
   * file_size == body - 15 else EINVAL; ext validated. The name encodes the source IP, the
   * file's mtime once written, the size (appender: the appender bit) and the CRC32 (2265-2320).
   */
  const upload = (appender: boolean): Handler => async (req) => {
    if (req.bodyLength < UPLOAD_HEAD_SIZE) throw invalid(`upload: body of ${req.bodyLength} bytes`);
    if (req.bodyLength - UPLOAD_HEAD_SIZE > options.maxUploadSize) await checkSize(req.bodyLength - UPLOAD_HEAD_SIZE);
    const head = decodeUploadHead(await req.read(UPLOAD_HEAD_SIZE));
    const pathIndex = head.storePathIndex > 127 ? head.storePathIndex - 256 : head.storePathIndex;
    if (pathIndex !== -1 && pathIndex !== 0) throw invalid(`upload: store path index ${pathIndex} does not exist`);
    if (head.fileSize !== req.bodyLength - UPLOAD_HEAD_SIZE) throw invalid(`upload: file size ${head.fileSize} does not match the body`);
    validateExt(head.ext);
    await checkSize(head.fileSize);
    node.state.counters.totalUploadBytes += head.fileSize;
    const sub = state.nextSubdir();
    await store.ensureSubdir(sub.high, sub.low);
    const got = await receive(req, head.fileSize);
    const filename = await place(got, () =>
      buildRemoteFilename({
        source: options.sourceIp,
        createTimestamp: got.mtime,
        fileSize: got.size,
        crc32: got.crc32,
        appender,
        ext: head.ext,
        storePathIndex: 0,
        subdirHigh: sub.high,
        subdirLow: sub.low,
      }),
    );
    node.state.counters.successUploadBytes += head.fileSize;
    markSourceUpdate(node);
    return { body: encodeGroupFile({ group: options.groupName, filename }) };
  };

  /** Links the received temp file under a fresh name, trying new names on a collision. */
  const place = async (got: Received, nameFor: () => string): Promise<string> => {
    try {
      for (let attempt = 1; ; attempt++) {
        const filename = nameFor();
        try {
          await store.placeExclusive(got.tmpPath, store.locate(filename).path);
          return filename;
        } catch (err) {
          if (!(err instanceof StatusError && err.status === Errno.EEXIST) || attempt >= NAME_ATTEMPTS) throw err;
        }
      }
    } catch (err) {
      await store.discard(got.tmpPath);
      throw err;
    }
  };

  /**
   * 21 (5454-5680): master name length 11..127, file_size consistent, prefix non-empty, prefix and
   * ext valid: else EINVAL. Master missing → ENOENT; the slave exists → EEXIST. Slave name:
   * fdfs_gen_slave_filename (common/fdfs_global.c 65-153).
   */
  const uploadSlave: Handler = async (req) => {
    if (req.bodyLength <= SLAVE_FIXED_SIZE) throw invalid(`upload slave: body of ${req.bodyLength} bytes`);
    const head = decodeSlaveFixed(await req.read(SLAVE_FIXED_SIZE));
    if (head.masterFilenameLength <= 10 || head.masterFilenameLength >= MAX_NAME_BUFFER) {
      throw invalid(`upload slave: master filename length ${head.masterFilenameLength}`);
    }
    if (head.fileSize < 0 || head.fileSize !== req.bodyLength - SLAVE_FIXED_SIZE - head.masterFilenameLength) {
      throw invalid(`upload slave: file size ${head.fileSize} does not match the body`);
    }
    if (head.prefix === '' || !NAME_PART_RE.test(head.prefix)) throw invalid(`upload slave: prefix ${JSON.stringify(head.prefix)}`);
    validateExt(head.ext);
    if (head.fileSize > options.maxUploadSize) await checkSize(head.fileSize);
    const master = (await req.read(head.masterFilenameLength)).toString('latin1');
    const masterLoc = store.locate(master);
    await store.regularFile(masterLoc.path);
    const slave = store.locate(buildSlaveFilename(master, head.prefix, head.ext));
    if (await store.exists(slave.path)) throw new StatusError(Errno.EEXIST, `slave ${slave.parsed.filename} exists`);
    await checkSize(head.fileSize);
    node.state.counters.totalUploadBytes += head.fileSize;
    const got = await receive(req, head.fileSize);
    await place(got, () => slave.parsed.filename);
    node.state.counters.successUploadBytes += head.fileSize;
    markSourceUpdate(node);
    return { body: encodeGroupFile({ group: options.groupName, filename: slave.parsed.filename }) };
  };

  /** The head shared by 24 and 34: name length 44..127, file_size consistent with the body (5041-5272). */
  const appenderHead = async (req: Request, fixed: number, count: 1 | 2) => {
    if (req.bodyLength <= fixed) throw invalid(`cmd ${req.cmd}: body of ${req.bodyLength} bytes`);
    const { filenameLength, numbers } = decodeAppenderFixed(await req.read(fixed), count);
    if (filenameLength < MIN_APPENDER_NAME || filenameLength >= MAX_NAME_BUFFER) {
      throw invalid(`cmd ${req.cmd}: filename length ${filenameLength}`);
    }
    const fileSize = numbers[count - 1] as number;
    const offset = count === 2 ? (numbers[0] as number) : 0;
    if (offset < 0) throw invalid(`cmd ${req.cmd}: offset ${offset}`);
    if (fileSize < 0 || fileSize !== req.bodyLength - fixed - filenameLength) {
      throw invalid(`cmd ${req.cmd}: file size ${fileSize} does not match the body`);
    }
    if (fileSize > options.maxUploadSize) await checkSize(fileSize);
    const filename = (await req.read(filenameLength)).toString('latin1');
    return { filename, offset, fileSize };
  };

  /** 24 (5041-5145): appends to an appender file; 0 bytes is a no-op. */
  const append: Handler = async (req) => {
    const { filename, fileSize } = await appenderHead(req, APPEND_FIXED_SIZE, 1);
    const { loc } = await locateAppender(node, filename);
    if (fileSize === 0) return {};
    await checkSize(fileSize);
    node.state.counters.totalAppendBytes += fileSize;
    const got = await receive(req, fileSize);
    try {
      await store.withLock(loc.path, async () => {
        const { size } = await store.regularFile(loc.path);
        try {
          await store.copyInto(got.tmpPath, loc.path, size);
        } catch (err) {
          await truncate(loc.path, size).catch(() => undefined); // dio_append_finish_clean_up
          throw err;
        }
      });
    } finally {
      await store.discard(got.tmpPath);
    }
    node.state.counters.successAppendBytes += fileSize;
    markSourceUpdate(node);
    return {};
  };

  /** 34 (5147-5272): overwrites part of an appender file; offset > file size → EINVAL. */
  const modify: Handler = async (req) => {
    const { filename, offset, fileSize } = await appenderHead(req, MODIFY_FIXED_SIZE, 2);
    const { loc, size } = await locateAppender(node, filename);
    if (offset > size) throw invalid(`modify: offset ${offset} > file size ${size}`);
    if (fileSize === 0) return {};
    await checkSize(fileSize);
    node.state.counters.totalModifyBytes += fileSize;
    const got = await receive(req, fileSize);
    try {
      await store.withLock(loc.path, async () => {
        const now = await store.regularFile(loc.path);
        if (offset > now.size) throw invalid(`modify: offset ${offset} > file size ${now.size}`);
        await store.copyInto(got.tmpPath, loc.path, offset);
      });
    } finally {
      await store.discard(got.tmpPath);
    }
    node.state.counters.successModifyBytes += fileSize;
    markSourceUpdate(node);
    return {};
  };

  return {
    [Cmd.UPLOAD_FILE]: counted(node, 'totalUploadCount', 'successUploadCount', upload(false)),
    [Cmd.UPLOAD_APPENDER_FILE]: counted(node, 'totalUploadCount', 'successUploadCount', upload(true)),
    [Cmd.UPLOAD_SLAVE_FILE]: counted(node, 'totalUploadCount', 'successUploadCount', uploadSlave),
    [Cmd.APPEND_FILE]: counted(node, 'totalAppendCount', 'successAppendCount', append),
    [Cmd.MODIFY_FILE]: counted(node, 'totalModifyCount', 'successModifyCount', modify),
  };
}
