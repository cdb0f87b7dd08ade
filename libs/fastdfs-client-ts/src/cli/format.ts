import type { FileIdInfo } from 'fastdfs-protocol';
import { formatLocalTime } from './human.js';

/** The text `fdfs_file_info` prints (client/fdfs_file_info.c), so scripts that parse it keep working. */
export function formatFileInfo(info: FileIdInfo & { fromServer: boolean }): string {
  // fdfs_file_info prints the CRC32 as a signed int, then its hex: `%d (0x%08x)`.
  const crc = info.crc32 >>> 0;
  return [
    `GET FROM SERVER: ${info.fromServer}`,
    '',
    `file type: ${info.type}`,
    `source storage id: ${info.sourceId}`,
    `source ip address: ${info.sourceIp}`,
    `file create timestamp: ${formatLocalTime(info.createTimestamp)}`,
    `file size: ${info.fileSize}`,
    `file crc32: ${crc | 0} (0x${crc.toString(16).padStart(8, '0')})`,
  ].join('\n');
}
