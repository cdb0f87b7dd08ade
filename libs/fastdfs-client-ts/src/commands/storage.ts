import type { Connection, ResponseStream } from '../net/connection.js';
import { ProtocolError } from '../errors.js';
import { type Content, contentSize, withContent } from './content.js';
import { Cmd, decodeFileInfoResponse, decodeGroupFile, encodeAppendHead, encodeDownloadRequest, encodeGroupFile, encodeModifyHead, encodeSetMetadataRequest, encodeSlaveHead, encodeTruncateRequest, encodeUploadHead, FILE_INFO_FLAG_NO_CRC32, type GroupFile, type Metadata, type MetadataMode, packMetadata, type RemoteFileInfo, unpackMetadata } from 'fastdfs-protocol';

/** Storage commands on one connection. `max` bounds the reply body read into memory. */

function expectEmpty(body: Buffer, operation: string): void {
  if (body.length !== 0) throw new ProtocolError(`${operation}: unexpected ${body.length}-byte reply`);
}

function expectGroupFile(body: Buffer, operation: string): GroupFile {
  const file = decodeGroupFile(body, `${operation} reply`);
  if (file.filename === '') throw new ProtocolError(`${operation}: reply holds no file name`);
  return file;
}

export interface UploadParams {
  appender: boolean;
  storePathIndex: number;
  ext: string;
  content: Content;
}

export async function upload(conn: Connection, max: number, p: UploadParams): Promise<GroupFile> {
  const operation = p.appender ? 'upload appender' : 'upload';
  const head = encodeUploadHead({ storePathIndex: p.storePathIndex, fileSize: contentSize(p.content), ext: p.ext });
  const body = await conn.request({
    cmd: p.appender ? Cmd.UPLOAD_APPENDER_FILE : Cmd.UPLOAD_FILE, operation, maxResponseBody: max, ...withContent(head, p.content),
  });
  return expectGroupFile(body, operation);
}

export interface SlaveParams {
  masterFilename: string;
  prefix: string;
  ext: string;
  content: Content;
}

export async function uploadSlave(conn: Connection, max: number, p: SlaveParams): Promise<GroupFile> {
  const head = encodeSlaveHead({ masterFilename: p.masterFilename, fileSize: contentSize(p.content), prefix: p.prefix, ext: p.ext });
  const body = await conn.request({ cmd: Cmd.UPLOAD_SLAVE_FILE, operation: 'upload slave', maxResponseBody: max, ...withContent(head, p.content) });
  return expectGroupFile(body, 'upload slave');
}

export async function append(conn: Connection, max: number, filename: string, content: Content): Promise<void> {
  const head = encodeAppendHead({ filename, fileSize: contentSize(content) });
  expectEmpty(await conn.request({ cmd: Cmd.APPEND_FILE, operation: 'append', maxResponseBody: max, ...withContent(head, content) }), 'append');
}

export async function modify(conn: Connection, max: number, filename: string, offset: number, content: Content): Promise<void> {
  const head = encodeModifyHead({ filename, offset, fileSize: contentSize(content) });
  expectEmpty(await conn.request({ cmd: Cmd.MODIFY_FILE, operation: 'modify', maxResponseBody: max, ...withContent(head, content) }), 'modify');
}

export async function truncate(conn: Connection, max: number, filename: string, truncatedSize: number): Promise<void> {
  const body = encodeTruncateRequest({ filename, truncatedSize });
  expectEmpty(await conn.request({ cmd: Cmd.TRUNCATE_FILE, operation: 'truncate', body, maxResponseBody: max }), 'truncate');
}

export async function regenerateAppenderFilename(conn: Connection, max: number, filename: string): Promise<GroupFile> {
  const body = await conn.request({
    cmd: Cmd.REGENERATE_APPENDER_FILENAME, operation: 'regenerate appender filename', body: Buffer.from(filename, 'latin1'), maxResponseBody: max,
  });
  return expectGroupFile(body, 'regenerate appender filename');
}

export async function deleteFile(conn: Connection, max: number, file: GroupFile): Promise<void> {
  expectEmpty(await conn.request({ cmd: Cmd.DELETE_FILE, operation: 'delete', body: encodeGroupFile(file), maxResponseBody: max }), 'delete');
}

export interface Range {
  offset: number;
  /** 0: to the end of the file. */
  length: number;
}

export function download(conn: Connection, file: GroupFile, range: Range): Promise<Buffer> {
  const body = encodeDownloadRequest({ ...file, ...range });
  // A range download asks for `length` bytes at most; a whole-file one is bounded by Buffer's own limit.
  return conn.request({ cmd: Cmd.DOWNLOAD_FILE, operation: 'download', body, maxResponseBody: Number.MAX_SAFE_INTEGER });
}

export function downloadStream(conn: Connection, max: number, file: GroupFile, range: Range): Promise<ResponseStream> {
  const body = encodeDownloadRequest({ ...file, ...range });
  return conn.requestStream({ cmd: Cmd.DOWNLOAD_FILE, operation: 'download', body, maxResponseBody: max });
}

export async function setMetadata(conn: Connection, max: number, file: GroupFile, meta: Metadata, mode: MetadataMode): Promise<void> {
  const body = encodeSetMetadataRequest({ ...file, mode, metadata: packMetadata(meta) });
  expectEmpty(await conn.request({ cmd: Cmd.SET_METADATA, operation: 'set metadata', body, maxResponseBody: max }), 'set metadata');
}

export async function getMetadata(conn: Connection, max: number, file: GroupFile): Promise<Metadata> {
  return unpackMetadata(await conn.request({ cmd: Cmd.GET_METADATA, operation: 'get metadata', body: encodeGroupFile(file), maxResponseBody: max }));
}

export async function queryFileInfo(conn: Connection, max: number, file: GroupFile, computeCrc32: boolean): Promise<RemoteFileInfo> {
  const body = await conn.request({
    cmd: Cmd.QUERY_FILE_INFO, operation: 'query file info', status: computeCrc32 ? 0 : FILE_INFO_FLAG_NO_CRC32,
    body: encodeGroupFile(file), maxResponseBody: max,
  });
  return decodeFileInfoResponse(body);
}
