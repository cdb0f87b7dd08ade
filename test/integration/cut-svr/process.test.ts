/**
 * apps/cut-svr as a process (its build, dist/main.js, as `npm start` runs it): with a conf
 * naming port 0 and PIC_TRACKER_SERVER naming an EmbeddedFdfs, it logs `listening` with its
 * address, serves a crop, and exits 0 on SIGTERM; a bad conf is one stderr line naming file, line
 * and key, exit 78 (EX_CONFIG). `npm test` builds dist first (tsc -b).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FdfsClient } from 'fastdfs-client-ts';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { Cmd, ResultCode, decodeCropResponse, encodeCropRequest } from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { quadrantPicture } from '../../helpers/test-pictures.js';

const MAIN = fileURLToPath(new URL('../../../apps/cut-svr/dist/main.js', import.meta.url));

let dir: string;
let fdfs: EmbeddedFdfs;
let tracker: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cut-svr-process-'));
  await mkdir(join(dir, 'conf'));
  fdfs = new EmbeddedFdfs({ basePath: join(dir, 'fdfs'), trackerPort: 0, storagePort: 0, logger: false });
  await fdfs.start();
  tracker = `${fdfs.trackerAddress.host}:${fdfs.trackerAddress.port}`;
});
afterAll(async () => {
  await fdfs?.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, PIC_CONF_DIR: 'conf', PIC_TRACKER_SERVER: tracker });

describe('cut_svr process', () => {
  it('listens, crops, and stops on SIGTERM with status 0', async () => {
    await writeFile(join(dir, 'conf', 'cut-svr.conf'), 'port = 0\ncrop_concurrency = 1\n');
    const child = spawn(process.execPath, [MAIN], { cwd: dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const listening = await new Promise<{ address: { host: string; port: number }; cropConcurrency: number }>(
        (resolve, reject) => {
          lines.on('line', (line) => {
            const entry = JSON.parse(line) as {
              msg: string;
              address: { host: string; port: number };
              cropConcurrency: number;
            };
            if (entry.msg === 'listening') resolve(entry);
          });
          child.on('exit', (code) => reject(new Error(`cut_svr exited with ${code} before listening`)));
        },
      );
      expect(listening.cropConcurrency).toBe(1);
      const fdfsClient = new FdfsClient({ trackers: [tracker] });
      const client = new FrameClient({ ...listening.address });
      try {
        const id = await fdfsClient.upload(await quadrantPicture('png', 40, 40), { ext: 'png' });
        const body = encodeCropRequest({
          hostid: 0,
          fdfsUrl: id,
          clipW: 0,
          clipH: 0,
          startX: 0,
          startY: 0,
          thumbW: 8,
          thumbH: 8,
        });
        const reply = await client.request(Cmd.CROP, body);
        expect(reply.ret).toBe(ResultCode.OK);
        expect((await fdfsClient.download(decodeCropResponse(reply.body).fdfsUrl)).length).toBeGreaterThan(0);
      } finally {
        await client.close();
        await fdfsClient.close();
      }
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a bad conf: one stderr line naming file, line and key, exit 78', async () => {
    await writeFile(join(dir, 'conf', 'cut-svr.conf'), '# crops\njpeg_quality = 200\n');
    const result = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [MAIN], { cwd: dir, env: env(), timeout: 30_000 }, (err, _stdout, stderr) => {
        resolve({ status: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr });
      });
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toBe(
      'cut_svr: cannot start: conf/cut-svr.conf:2: jpeg_quality must be between 1 and 100, got 200\n',
    );
  });
});
