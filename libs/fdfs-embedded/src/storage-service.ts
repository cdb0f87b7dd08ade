import { readFile, rename, truncate, unlink, writeFile } from 'node:fs/promises';
import type { Handler, Request } from './connection.js';
import { mergeRecords, sortRecords } from './metadata-file.js';
import { invalid, notFound } from './status.js';
import { counted, locateAppender, markSourceUpdate, MAX_NAME_BUFFER, MIN_APPENDER_NAME } from './storage-common.js';
import type { StorageNode } from './storage-node.js';
import { META_SUFFIX, type Located } from './store.js';
import { uploadHandlers } from './storage-upload.js';
import { Cmd, packRecords, splitMetadata, decodeAppenderFixed, decodeDownloadRequest, decodeGroupFile, decodeSetMetadataRequest, describeParsed, encodeFileInfoResponse, encodeGroupFile, encodeNameBase64, Errno, FILE_INFO_FLAG_NO_CRC32, GROUP_NAME_SIZE, type IpFieldSize, StatusError, TRUNCATE_FIXED_SIZE } from 'fastdfs-protocol';

/*
 * Storage commands whose whole request fits in memory: delete, download, metadata, file info,
 * truncate, regenerate. Uploads, appends and modifies stream (storage-upload.ts).
 * Checks and statuses follow storage/storage_service.c (6.16.1); line numbers in the comments.
 */

export function storageHandlers(node: StorageNode): (cmd: number) => Handler | undefined {
  const { options, store } = node;
  const small = options.maxSmallBody;
  const ipSize = options.ipAddrSize as IpFieldSize;

  /** `group[16] + filename` bodies (12, 15, 22): body > 16 (7727-7737), group must be ours, else EINVAL (7755-7763). */
  const groupFile = async (req: Request): Promise<Located> => {
    const body = await req.body(small);
    if (body.length <= GROUP_NAME_SIZE) throw invalid(`cmd ${req.cmd}: body of ${body.length} bytes`);
    const { group, filename } = decodeGroupFile(body);
    store.checkGroup(group);
    return store.locate(filename);
  };

  /** 12: deletes the file and its metadata (storage_service.c 7704-7927, done callback 1114-1180). */
  const deleteFile: Handler = async (req) => {
    const loc = await groupFile(req);
    await store.withLock(loc.path, async () => {
      await store.regularFile(loc.path);
      await unlink(loc.path);
      await unlink(loc.path + META_SUFFIX).catch(() => undefined);
    });
    markSourceUpdate(node);
    return {};
  };

  /** 14 (7259-7439): offset or length < 0 EINVAL; offset >= size EINVAL, even for an empty file; a length past the end is clipped. */
  const download: Handler = async (req) => {
    const body = await req.body(small);
    if (body.length <= 16 + GROUP_NAME_SIZE) throw invalid(`download: body of ${body.length} bytes`);
    const { offset, length, group, filename } = decodeDownloadRequest(body);
    if (offset < 0 || length < 0) throw invalid('download: negative offset or length');
    store.checkGroup(group);
    const loc = store.locate(filename);
    const st = await store.regularFile(loc.path, true);
    if (offset >= st.size) throw invalid(`download: offset ${offset} >= file size ${st.size}`);
    const bytes = length === 0 || length > st.size - offset ? st.size - offset : length;
    node.state.counters.totalDownloadBytes += bytes;
    node.state.counters.successDownloadBytes += bytes;
    return { file: { path: loc.path, start: offset, length: bytes } };
  };

  /**
   * 13 (3147-3315, 2928-3134): filename_len in 1..127, op flag 'O' or 'M', meta_size consistent
   * with the body, group ours: else EINVAL. The file must exist (ENOENT).
   */
  const setMetadata: Handler = async (req) => {
    // The codec rejects (ProtocolError → EINVAL) lengths that are negative or disagree with the body.
    const { group, filename, mode, metadata: meta } = decodeSetMetadataRequest(await req.body(options.maxMetadataBody));
    if (mode === undefined) throw invalid('set metadata: op flag is neither O nor M');
    store.checkGroup(group);
    const loc = store.locate(filename);
    await store.regularFile(loc.path);
    const metaPath = loc.path + META_SUFFIX;
    await store.withLock(metaPath, async () => {
      let records;
      if (mode === 'overwrite') {
        if (meta.length === 0) {
          await unlink(metaPath).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT') throw err;
          });
          return;
        }
        records = sortRecords(splitMetadata(meta));
      } else {
        if (meta.length === 0) return;
        const old = await readFile(metaPath).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return Buffer.alloc(0);
          throw err;
        });
        records = mergeRecords(splitMetadata(old), splitMetadata(meta));
      }
      const tmp = `${metaPath}.${process.pid}.tmp`;
      await writeFile(tmp, packRecords(records));
      await rename(tmp, metaPath);
    });
    markSourceUpdate(node);
    return {};
  };

  /** 15 (7128-7249): no such file, or no metadata → ENOENT. */
  const getMetadata: Handler = async (req) => {
    const loc = await groupFile(req);
    await store.regularFile(loc.path, true);
    const meta = await readFile(loc.path + META_SUFFIX).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw notFound('no metadata');
      throw err;
    });
    return { body: meta };
  };

  /**
   * 22 (3576-3784, response 3405-3444): size and mtime from lstat; the crc32 from the name for a
   * normal file, computed over the content for appender and slave files unless flag 1 (3521-3570).
   */
  const queryFileInfo: Handler = async (req) => {
    const loc = await groupFile(req);
    const st = await store.regularFile(loc.path);
    const info = describeParsed(loc.parsed);
    let crc = info.crc32;
    if (info.type !== 'normal') crc = (req.flags & FILE_INFO_FLAG_NO_CRC32) !== 0 ? 0 : await store.crc32Of(loc.path);
    return {
      body: encodeFileInfoResponse(
        { fileSize: st.size, createTimestamp: Math.floor(st.mtimeMs / 1000), crc32: crc, sourceIp: info.sourceIp },
        ipSize,
      ),
    };
  };

  /**
   * 36 (5274-5452): name length 44..127, size >= 0 else EINVAL; an appender only; the same size is
   * a no-op; a larger one extends the file (the C server only warns).
   */
  const truncateFile: Handler = async (req) => {
    const body = await req.body(small);
    if (body.length <= TRUNCATE_FIXED_SIZE) throw invalid(`truncate: body of ${body.length} bytes`);
    const { filenameLength: nameLength, numbers: [size = -1] } = decodeAppenderFixed(body, 1);
    if (nameLength < MIN_APPENDER_NAME || nameLength >= MAX_NAME_BUFFER) throw invalid(`truncate: filename length ${nameLength}`);
    if (size < 0) throw invalid(`truncate: size ${size}`);
    if (body.length - TRUNCATE_FIXED_SIZE !== nameLength) throw invalid('truncate: body length does not match the filename length');
    if (size > options.maxUploadSize) throw new StatusError(Errno.ENOSPC, `truncate: ${size} bytes exceeds maxUploadSize`);
    const { loc } = await locateAppender(node, body.toString('latin1', TRUNCATE_FIXED_SIZE));
    await store.withLock(loc.path, async () => {
      const st = await store.regularFile(loc.path);
      if (st.size !== size) await truncate(loc.path, size);
    });
    markSourceUpdate(node);
    return {};
  };

  /**
   * 38 (4979-5039, rename 4839-4977): turns an appender file into a normal one. The new name
   * keeps the sub dir and the 7-char ext part, and encodes now, the size and the CRC32 of the
   * content. Decision: the `-m` metadata file moves with it (the C server leaves it behind).
   */
  const regenerate: Handler = async (req) => {
    const body = await req.body(small);
    if (body.length < MIN_APPENDER_NAME || body.length >= MAX_NAME_BUFFER) throw invalid(`regenerate: body of ${body.length} bytes`);
    const { loc } = await locateAppender(node, body.toString('latin1'));
    const filename = await store.withLock(loc.path, async () => {
      const st = await store.regularFile(loc.path);
      const crc = await store.crc32Of(loc.path);
      const prefix = loc.parsed.filename.slice(0, 10);
      const extPart = loc.parsed.filename.slice(-7);
      for (let attempt = 0; ; attempt++) {
        const name = prefix + encodeNameBase64({ source: options.sourceIp, createTimestamp: Math.floor(Date.now() / 1000), fileSize: st.size, crc32: crc }) + extPart;
        const target = store.locate(name);
        try {
          await store.placeExclusive(loc.path, target.path);
        } catch (err) {
          if (err instanceof StatusError && err.status === Errno.EEXIST && attempt < 9) continue;
          throw err;
        }
        await rename(loc.path + META_SUFFIX, target.path + META_SUFFIX).catch(() => undefined);
        return name;
      }
    });
    markSourceUpdate(node);
    return { body: encodeGroupFile({ group: options.groupName, filename }) };
  };

  const table: Record<number, Handler> = {
    [Cmd.DELETE_FILE]: counted(node, 'totalDeleteCount', 'successDeleteCount', deleteFile),
    [Cmd.DOWNLOAD_FILE]: counted(node, 'totalDownloadCount', 'successDownloadCount', download),
    [Cmd.SET_METADATA]: counted(node, 'totalSetMetaCount', 'successSetMetaCount', setMetadata),
    [Cmd.GET_METADATA]: counted(node, 'totalGetMetaCount', 'successGetMetaCount', getMetadata),
    [Cmd.QUERY_FILE_INFO]: queryFileInfo,
    [Cmd.TRUNCATE_FILE]: counted(node, 'totalTruncateCount', 'successTruncateCount', truncateFile),
    [Cmd.REGENERATE_APPENDER_FILENAME]: regenerate,
    ...uploadHandlers(node),
  };
  return (cmd) => table[cmd];
}
