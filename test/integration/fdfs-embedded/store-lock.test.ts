import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { Cmd, decodeGroupFile, encodeDownloadRequest, encodeUploadHead } from 'fastdfs-protocol';
import { RawConn, removeDir, startEmbedded, upload } from '../../helpers/raw-client.js';

const LOCK = '.embedded.lock';

async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const download = async (conn: RawConn, filename: string) =>
  (await conn.request(Cmd.DOWNLOAD_FILE, encodeDownloadRequest({ offset: 0, length: 0, group: 'group1', filename })))
    .body;

describe('one instance per store', () => {
  it('refuses a second instance on the same basePath without touching the first one', async () => {
    const { server: first, basePath } = await startEmbedded();
    const tmpDir = join(first.dataDir, '.tmp');
    const s = await RawConn.connect(first.storageAddress);
    const stored = await upload(s, Buffer.from('stored before'), 'txt');

    // An upload in progress on the first instance: content over 256 KiB is streamed into .tmp.
    const content = Buffer.alloc(300_000, 0x61);
    const inFlight = await RawConn.connect(first.storageAddress);
    inFlight.send(
      Cmd.UPLOAD_FILE,
      Buffer.concat([
        encodeUploadHead({ storePathIndex: 0, fileSize: content.length, ext: 'bin' }),
        content.subarray(0, 1000),
      ]),
      0,
      15 + content.length,
    );
    await until(async () => (await readdir(tmpDir)).length === 1, 5000, 'the upload to reach .tmp');
    const tmpBefore = await readdir(tmpDir);
    const lockBefore = await readFile(join(first.dataDir, LOCK), 'utf8');

    const second = new EmbeddedFdfs({ basePath, trackerPort: 0, storagePort: 0, logger: false });
    const err = await second.start().catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toContain(`store ${basePath} is in use by process ${process.pid}`);
    await second.stop(); // a refused instance has nothing to stop and writes nothing
    expect(() => second.storageAddress).toThrow(/not started/);

    expect(await readdir(tmpDir)).toEqual(tmpBefore);
    expect(await readFile(join(first.dataDir, LOCK), 'utf8')).toBe(lockBefore);
    inFlight.write(content.subarray(1000));
    const r = await inFlight.reply();
    expect(r.status).toBe(0);
    const late = decodeGroupFile(r.body).filename;
    expect(await download(s, late)).toEqual(content);
    expect((await download(s, stored)).toString()).toBe('stored before');
    inFlight.destroy();
    s.destroy();
    await first.stop();
    expect(await readdir(first.dataDir)).not.toContain(LOCK);

    // Once the first has stopped, another starts and serves everything; a crash's leftovers in .tmp go.
    await writeFile(join(tmpDir, 'left-by-a-crash'), 'x');
    const third = new EmbeddedFdfs({ basePath, trackerPort: 0, storagePort: 0, logger: false });
    await third.start();
    expect(await readdir(tmpDir)).toEqual([]);
    const t = await RawConn.connect(third.storageAddress);
    expect((await download(t, stored)).toString()).toBe('stored before');
    expect(await download(t, late)).toEqual(content);
    t.destroy();
    await third.stop();
    await removeDir(basePath);
  });

  it('is not blocked by a stale lock file from a dead process', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid as number;
    await new Promise((resolve) => child.once('exit', resolve));
    const { server, basePath } = await startEmbedded();
    const dataDir = server.dataDir;
    await server.stop();

    await writeFile(join(dataDir, LOCK), `${deadPid}\nleft-by-a-kill\n`);
    const warnings: object[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (obj: object) => warnings.push(obj),
      error: () => undefined,
    };
    const again = new EmbeddedFdfs({ basePath, trackerPort: 0, storagePort: 0, logger });
    await again.start();
    expect(warnings).toEqual([{ lock: join(dataDir, LOCK), pid: deadPid }]);
    expect((await readFile(join(dataDir, LOCK), 'utf8')).split('\n')[0]).toBe(String(process.pid));
    await again.stop();
    await removeDir(basePath);
  });
});
