import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { decodeFileId } from 'fastdfs-protocol';
import { cTool, hasCTools as hasTools } from '../../helpers/c-tools.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

/*
 * The real FastDFS 6.16 C tools against the embedded server. Runs only where they are
 * installed (/usr/bin, or $FDFS_C_TOOLS_DIR).
 */
async function tool(name: string, ...args: string[]): Promise<string> {
  return (await cTool(name, args)).stdout.trim();
}

/** `fdfs_file_info` prints "key: value" lines. */
function parseInfo(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([^:]+):\s*(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}

describe.skipIf(!hasTools)('real FastDFS C tools against the embedded server', () => {
  let server: EmbeddedFdfs;
  let base: string;
  let conf: string;

  beforeAll(async () => {
    ({ server, basePath: base } = await startEmbedded());
    conf = join(base, 'client.conf');
    await writeFile(
      conf,
      [
        'connect_timeout = 5',
        'network_timeout = 30',
        `base_path = ${base}`,
        `tracker_server = 127.0.0.1:${server.trackerAddress.port}`,
        'log_level = warn',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server.stop();
    await removeDir(base);
  });

  it('fdfs_upload_file → on our disk, decodable; fdfs_download_file and fdfs_file_info agree; fdfs_delete_file removes it', async () => {
    const content = Buffer.alloc(300_000);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) & 0xff;
    const local = join(base, 'in.jpg');
    await writeFile(local, content);

    const fileId = await tool('fdfs_upload_file', conf, local);
    expect(fileId).toMatch(/^group1\/M00\/00\/00\/[A-Za-z0-9_-]{27}\d{3}\.jpg$/);
    const decoded = decodeFileId(fileId);
    expect(decoded).toMatchObject({
      type: 'normal',
      sourceIp: '127.0.0.1',
      fileSize: content.length,
      crc32: crc32(content),
    });
    expect(await readFile(join(server.dataDir, decoded.filename.slice(4)))).toEqual(content);

    const out = join(base, 'out.jpg');
    await tool('fdfs_download_file', conf, fileId, out); // exits 0 even on failure: compare the bytes
    expect(await readFile(out)).toEqual(content);

    const info = parseInfo(await tool('fdfs_file_info', conf, fileId));
    expect(info).toMatchObject({
      'file type': 'normal',
      'source ip address': '127.0.0.1',
      'file size': String(content.length),
    });
    expect(info['file crc32']).toContain(`0x${crc32(content).toString(16).padStart(8, '0')}`);

    await tool('fdfs_delete_file', conf, fileId);
    expect(existsSync(join(server.dataDir, decoded.filename.slice(4)))).toBe(false);
    await expect(tool('fdfs_delete_file', conf, fileId)).rejects.toThrow();
  });

  it('fdfs_upload_appender + fdfs_append_file; fdfs_file_info asks the storage for the CRC32', async () => {
    const a = Buffer.from('first part\n');
    const b = Buffer.from('second part\n');
    await writeFile(join(base, 'a.log'), a);
    await writeFile(join(base, 'b.log'), b);
    const fileId = await tool('fdfs_upload_appender', conf, join(base, 'a.log'));
    expect(decodeFileId(fileId).type).toBe('appender');
    await tool('fdfs_append_file', conf, fileId, join(base, 'b.log'));
    const both = Buffer.concat([a, b]);
    expect(await readFile(join(server.dataDir, decodeFileId(fileId).filename.slice(4)))).toEqual(both);

    const info = parseInfo(await tool('fdfs_file_info', conf, fileId));
    expect(info).toMatchObject({
      'GET FROM SERVER': 'true',
      'file type': 'appender',
      'file size': String(both.length),
    });
    expect(info['file crc32']).toContain(`0x${crc32(both).toString(16).padStart(8, '0')}`);

    const out = join(base, 'both.log');
    await tool('fdfs_download_file', conf, fileId, out);
    expect(await readFile(out)).toEqual(both);
  });
});
