/**
 * The whole stack started as the README says (`npm start` at the repository root, a child process
 * of this test, with its own PIC_CONF_DIR of free ports and a temporary PIC_DATA_DIR), used the way
 * its outside users do: a game server that speaks only the framed protocol crops a picture through
 * admin_proxy and queues deletes; ops' cron line `del_file_ontime <log> <admin_proxy>` then deletes
 * every queued picture from FastDFS, the metadata and the front's cache. A browser uploads and
 * fetches through the front. A second FastDFS cluster is hostid 1 in the conf files. Then SIGTERM
 * to npm's pid stops everything, and nothing of the stack is left running or listening.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { FdfsClient } from 'fastdfs-client-ts';
import { DEV_DES_KEY, issueSessionKey } from '@pic-storage/session-key';
import { fuzzFrames, probe } from '../helpers/frame-fuzz.js';
import { startEmbedded } from '../helpers/raw-client.js';
import { allPorts, portRefused, writeStackConf, type StackPorts } from '../helpers/stack-conf.js';
import { REPO, startStackProcess, type StackProcess } from '../helpers/stack-process.js';

const READY_MS = 60_000;
const run = promisify(execFile);

let dir: string;
let ports: StackPorts;
let stack: StackProcess;
let fdfs: FdfsClient;
/** hostid 1: a second cluster (group2), started by the test, named in the stack's conf files. */
let second: { server: EmbeddedFdfs; basePath: string };
let fdfs1: FdfsClient;
let tracker1: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pic-stack-'));
  second = await startEmbedded({ groupName: 'group2' });
  tracker1 = `${second.server.trackerAddress.host}:${second.server.trackerAddress.port}`;
  ports = await writeStackConf(dir, { clusters: { 1: tracker1 } });
  // The README's command. npm runs `exec node apps/stack/dist/main.js`: the stack is npm's child.
  stack = await startStackProcess({ confDir: dir, command: 'npm' }, READY_MS);
  fdfs = new FdfsClient({ trackers: [`127.0.0.1:${ports.tracker}`] });
  fdfs1 = new FdfsClient({ trackers: [tracker1] });
}, READY_MS + 10_000);

afterAll(async () => {
  await fdfs?.close();
  await fdfs1?.close();
  if (stack !== undefined && stack.child.exitCode === null) stack.child.kill('SIGKILL');
  for (const pid of await stackProcesses()) process.kill(pid, 'SIGKILL');
  await second?.server.stop();
  await rm(dir, { recursive: true, force: true });
  if (second !== undefined) await rm(second.basePath, { recursive: true, force: true });
});

/** The pids of every process whose environment names this test's data directory: the stack's. */
async function stackProcesses(): Promise<number[]> {
  const marker = `PIC_DATA_DIR=${join(dir, 'data')}\0`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/**
 * A game server's client: packed little-endian structs written by hand, as the C clients do
 * (nothing of this project's codecs), on one connection, matched by seq.
 */
class GameServerClient {
  private buffered = Buffer.alloc(0);
  private readonly waiting = new Map<number, (frame: { ret: number; body: Buffer }) => void>();
  private seq = 100;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 18 && this.buffered.length >= this.buffered.readUInt32LE(0)) {
        const len = this.buffered.readUInt32LE(0);
        const seq = this.buffered.readUInt32LE(10);
        const frame = { ret: this.buffered.readUInt32LE(14), body: this.buffered.subarray(18, len) };
        this.buffered = this.buffered.subarray(len);
        this.waiting.get(seq)?.(frame);
        this.waiting.delete(seq);
      }
    });
  }

  static async connect(port: number): Promise<GameServerClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new GameServerClient(socket);
  }

  send(cmd: number, uid: number, body: Buffer): Promise<{ ret: number; body: Buffer }> {
    const seq = this.seq++;
    const header = Buffer.alloc(18);
    header.writeUInt32LE(18 + body.length, 0);
    header.writeUInt16LE(cmd, 4);
    header.writeUInt32LE(uid, 6);
    header.writeUInt32LE(seq, 10);
    header.writeUInt32LE(0, 14);
    return new Promise((resolve) => {
      this.waiting.set(seq, resolve);
      this.socket.write(Buffer.concat([header, body]));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function charField(value: string, size: number): Buffer {
  const field = Buffer.alloc(size);
  field.write(value, 'latin1');
  return field;
}

function cropBody(
  fileId: string,
  box: { clipW: number; clipH: number; x: number; y: number; w: number; h: number },
  hostid = 0,
) {
  const body = Buffer.alloc(92);
  body.writeUInt32LE(hostid, 0);
  charField(fileId, 64).copy(body, 4);
  body.writeUInt32LE(box.clipW, 68);
  body.writeUInt32LE(box.clipH, 72);
  body.writeInt32LE(box.x, 76);
  body.writeInt32LE(box.y, 80);
  body.writeUInt32LE(box.w, 84);
  body.writeUInt32LE(box.h, 88);
  return body;
}

function picList(fileIds: string[], hostid = 0): Buffer {
  return Buffer.concat([
    Buffer.from(Uint32Array.of(fileIds.length).buffer),
    ...fileIds.map((id) => Buffer.concat([Buffer.from(Uint32Array.of(hostid).buffer), charField(id, 64)])),
  ]);
}

/** A 1600×1200 JPEG: left half red, right half blue. */
function twoColourPicture(): Promise<Buffer> {
  const half = { width: 800, height: 1200, channels: 3 as const };
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#ff0000' } })
    .composite([{ input: { create: { ...half, background: '#0000ff' } }, left: 800, top: 0 }])
    .jpeg({ quality: 95 })
    .toBuffer();
}

function front(): string {
  return `http://127.0.0.1:${ports.front}`;
}

/** upload.cgi as a browser's form posts it. */
async function uploadThroughFront(picture: Buffer, sessionKey: string, name: string): Promise<Record<string, unknown>> {
  const form = new FormData();
  form.append('session_key', sessionKey);
  form.append('type', 'jpg');
  form.append('file', new Blob([picture], { type: 'image/jpeg' }), name);
  const response = await fetch(`${front()}/upload.cgi`, { method: 'POST', body: form });
  const answer = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, result: answer.result }).toEqual({ status: 200, result: 'success' });
  return answer;
}

async function gone(fileId: string, cluster: FdfsClient = fdfs): Promise<boolean> {
  try {
    await cluster.queryFileInfo(fileId);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'FDFS_ERR_NOT_FOUND';
  }
}

describe('the stack under npm start', () => {
  it('says on stderr what listens where, one row per process', () => {
    const rows = stack.stderr().split('\n');
    expect(rows.some((r) => /^pic-storage ready in \d+\.\d s$/.test(r))).toBe(true);
    const row = (name: string) => rows.find((r) => r.trimStart().startsWith(`${name} `)) ?? '';
    expect(row('fdfs-embedded')).toContain(
      `127.0.0.1:${ports.tracker} (tracker), 127.0.0.1:${ports.storage} (storage)`,
    );
    expect(row('front#1')).toContain(`http://127.0.0.1:${ports.front}/`);
    expect(row('admin-proxy')).toContain(`127.0.0.1:${ports.adminProxy}`);
    for (const [name, port] of [
      ['metadata-dbsvr', ports.metadata],
      ['sess-check-svr', ports.sessCheck],
      ...ports.cutSvr.map((p, i) => [`cut-svr#${i + 1}`, p] as const),
      ...ports.delSvr.map((p, i) => [`del-svr#${i + 1}`, p] as const),
      ...ports.csDelSvr.map((p, i) => [`cs-del-svr#${i + 1}`, p] as const),
    ] as const) {
      expect(row(name), name).toMatch(new RegExp(`^  ${name.replace('#', '\\#')} +\\d+ +127\\.0\\.0\\.1:${port}$`));
    }
  });

  it('a game server crops through admin_proxy; the new file is in FastDFS, cut where it asked', async () => {
    const source = await fdfs.upload(await twoColourPicture(), { ext: 'jpg' });
    const game = await GameServerClient.connect(ports.adminProxy);
    try {
      // Shown at 800×600; a 240×180 box in the right (blue) half.
      const reply = await game.send(
        3005,
        12345,
        cropBody(source, { clipW: 800, clipH: 600, x: 500, y: 100, w: 240, h: 180 }),
      );
      expect(reply.ret).toBe(0);
      expect(reply.body.length).toBe(68);
      const cropped = reply.body.toString('latin1', 4, 68).replace(/\0+$/, '');
      expect(cropped).toMatch(/^group1\/M00\/[0-9A-F]{2}\/[0-9A-F]{2}\/.+\.jpg$/);
      const { data, info } = await sharp(await fdfs.download(cropped))
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([240, 180]);
      const mid = (90 * 240 + 120) * info.channels;
      expect(data[mid + 2]).toBeGreaterThan(200); // blue
      expect(data[mid]).toBeLessThan(50);

      // `fdfs download`, as ops would fetch it, gives the same bytes.
      const out = join(dir, 'cropped.jpg');
      const fdfsBin = join(REPO, 'libs/fastdfs-client-ts/bin/fdfs.mjs');
      await run(process.execPath, [fdfsBin, '--tracker', `127.0.0.1:${ports.tracker}`, 'download', cropped, out]);
      expect((await readFile(out)).equals(await fdfs.download(cropped))).toBe(true);

      // And over HTTP from the front, as a browser shows it.
      const http = await fetch(`${front()}/download.fcgi/${cropped}`);
      expect(http.status).toBe(200);
      expect(http.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await http.arrayBuffer()).equals(await readFile(out))).toBe(true);
    } finally {
      game.close();
    }
  }, 60_000);

  it('hostid 1 is the second cluster: a crop is stored there, served by the front, deleted from there', async () => {
    const source = await fdfs1.upload(await twoColourPicture(), { ext: 'jpg' });
    expect(source).toMatch(/^group2\//);
    const game = await GameServerClient.connect(ports.adminProxy);
    let cropped: string;
    try {
      const reply = await game.send(3005, 777, cropBody(source, { clipW: 0, clipH: 0, x: 0, y: 0, w: 64, h: 48 }, 1));
      expect(reply.ret).toBe(0);
      expect(reply.body.readUInt32LE(0)).toBe(1); // hostid
      cropped = reply.body.toString('latin1', 4, 68).replace(/\0+$/, '');
      expect(cropped).toMatch(/^group2\/M00\//);
      // The same crop asked of hostid 0, which has no group2: the file is not found there.
      expect((await game.send(3005, 777, cropBody(source, { clipW: 0, clipH: 0, x: 0, y: 0, w: 8, h: 8 }))).ret).toBe(
        1004,
      );
    } finally {
      game.close();
    }
    const stored = await fdfs1.download(cropped);
    expect(await sharp(stored).metadata()).toMatchObject({ width: 64, height: 48, format: 'jpeg' });
    const http = await fetch(`${front()}/download.fcgi/${cropped}`);
    expect(http.status).toBe(200);
    expect(Buffer.from(await http.arrayBuffer()).equals(stored)).toBe(true);

    const queue = await GameServerClient.connect(ports.adminProxy);
    try {
      expect((await queue.send(3002, 777, picList([source, cropped], 1))).ret).toBe(0);
    } finally {
      queue.close();
    }
    const cron = await run(
      process.execPath,
      [
        join(REPO, 'apps/del-file-ontime/bin/del_file_ontime.mjs'),
        join(dir, 'data/del-svr/log/delete.log'),
        `127.0.0.1:${ports.adminProxy}`,
      ],
      { env: { ...process.env, PIC_CONF_DIR: dir } },
    );
    expect(cron.stdout + cron.stderr).toMatch(/deleted 2\b/);
    expect(await gone(source, fdfs1)).toBe(true);
    expect(await gone(cropped, fdfs1)).toBe(true);
    expect((await fetch(`${front()}/download.fcgi/${cropped}`)).status).toBe(404);
  }, 90_000);

  it('a session key checks through admin_proxy, 30 times at most', async () => {
    const key = issueSessionKey({ uid: 7, albumid: 3 }, DEV_DES_KEY);
    const game = await GameServerClient.connect(ports.adminProxy);
    try {
      const replies = await Promise.all(
        Array.from({ length: 31 }, () => game.send(0x10b5, 7, Buffer.from(key, 'latin1'))),
      );
      expect(replies.filter((r) => r.ret === 0)).toHaveLength(30);
      expect(replies.filter((r) => r.ret === 1009)).toHaveLength(1);
      const ok = replies.find((r) => r.ret === 0);
      expect(ok?.body.readUInt16LE(0)).toBe(7); // uid
      expect(ok?.body.readUInt16LE(4)).toBe(3); // albumid
    } finally {
      game.close();
    }
  }, 60_000);

  it('queued deletes are durable, and the cron run deletes them from FastDFS and the metadata', async () => {
    const files = await Promise.all(
      Array.from({ length: 5 }, (_, i) => fdfs.upload(Buffer.from(`picture ${i}`), { ext: 'jpg' })),
    );
    const game = await GameServerClient.connect(ports.adminProxy);
    try {
      // Registered as the front tier will register uploads (cmd 4001: 228-byte record).
      for (const [i, fileId] of files.entries()) {
        const record = Buffer.alloc(228);
        record.writeUInt32LE(4242, 0); // uid
        record.writeUInt32LE(1, 4); // albumid
        record.writeUInt32LE(0, 8); // hostid
        charField(fileId, 64).copy(record, 12);
        charField(`p${i}.jpg`, 128).copy(record, 76);
        charField('jpg', 8).copy(record, 204);
        const reply = await game.send(4001, 4242, record);
        expect(reply.ret).toBe(0);
      }
      const queued = await game.send(3002, 4242, picList(files));
      expect(queued.ret).toBe(0);
    } finally {
      game.close();
    }
    const log = join(dir, 'data/del-svr/log/delete.log');
    const text = await readFile(log, 'utf8');
    for (const fileId of files) expect(text).toContain(fileId);

    const cron = await run(
      process.execPath,
      [join(REPO, 'apps/del-file-ontime/bin/del_file_ontime.mjs'), log, `127.0.0.1:${ports.adminProxy}`],
      {
        env: { ...process.env, PIC_CONF_DIR: dir },
      },
    );
    expect(cron.stdout + cron.stderr).toMatch(/deleted 5\b/);
    for (const fileId of files) expect(await gone(fileId)).toBe(true);

    // No row left for the uid (cmd 4003: uid, all albums, from the newest, 100 rows).
    const list = Buffer.alloc(16);
    list.writeUInt32LE(4242, 0);
    list.writeUInt32LE(0xffffffff, 4);
    list.writeUInt32LE(0, 8);
    list.writeUInt32LE(100, 12);
    const lister = await GameServerClient.connect(ports.adminProxy);
    try {
      const rows = await lister.send(4003, 4242, list);
      expect(rows.ret).toBe(0);
      expect(rows.body.readUInt32LE(0)).toBe(0);
    } finally {
      lister.close();
    }
  }, 90_000);

  it('a browser uploads through the front; the picture is registered, served, cached; the cron delete purges it', async () => {
    const key = issueSessionKey({ uid: 5151, albumid: 9, widthLimit: 800, heightLimit: 600 }, DEV_DES_KEY);
    const answer = await uploadThroughFront(await twoColourPicture(), key, 'two colours.jpg');
    expect(answer).toMatchObject({ albumid: 9, hostid: 0, file_name: 'two colours.jpg' });
    expect(answer.photoid).toBeGreaterThan(0);
    const lloc = answer.lloc as string;
    const stored = await fdfs.download(lloc);
    expect(stored.length).toBe(answer.len);
    expect(await sharp(stored).metadata()).toMatchObject({ width: 800, height: 600, format: 'jpeg' });

    // Served twice: the second from the front's memory.
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${front()}/download.fcgi/${lloc}`);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(stored)).toBe(true);
    }
    const status = (await (await fetch(`${front()}/status`)).json()) as { cache: { hits_memory: number } };
    expect(status.cache.hits_memory).toBeGreaterThanOrEqual(1);
    const monit = await run(process.execPath, [join(REPO, 'apps/monit/bin/monit.mjs'), 'cache', '--url', front()]);
    expect(monit.stdout).toMatch(/^OK cache: hit ratio /);

    // The game deletes it: del_svr queues, the cron run deletes from FastDFS and purges the front.
    const game = await GameServerClient.connect(ports.adminProxy);
    try {
      expect((await game.send(3002, 5151, picList([lloc]))).ret).toBe(0);
    } finally {
      game.close();
    }
    const log = join(dir, 'data/del-svr/log/delete.log');
    const cron = await run(
      process.execPath,
      [join(REPO, 'apps/del-file-ontime/bin/del_file_ontime.mjs'), log, `127.0.0.1:${ports.adminProxy}`],
      { env: { ...process.env, PIC_CONF_DIR: dir } },
    );
    expect(cron.stdout + cron.stderr).toMatch(/deleted 1\b/);
    expect(await gone(lloc)).toBe(true);
    expect((await fetch(`${front()}/download.fcgi/${lloc}`)).status).toBe(404);
  }, 90_000);

  it('every framed port survives random and mutated frames, and still answers', async () => {
    const targets: [string, number, number[]][] = [
      ['admin_proxy', ports.adminProxy, [3005, 3002, 3030, 0x10b5, 4001, 4002, 4003]],
      ['metadata_dbsvr', ports.metadata, [4001, 4002, 4003]],
      ['sess_check_svr', ports.sessCheck, [0x10b5]],
      ...ports.cutSvr.map((port): [string, number, number[]] => ['cut_svr', port, [3005]]),
      ...ports.delSvr.map((port): [string, number, number[]] => ['del_svr', port, [3002]]),
      ...ports.csDelSvr.map((port): [string, number, number[]] => ['cs_del_svr', port, [3030]]),
    ];
    for (const [name, port, cmds] of targets) {
      const address = { host: '127.0.0.1', port };
      const report = await fuzzFrames(address, { frames: 1_500, seed: port, cmds });
      expect(report.badResponses, name).toBe(0);
      expect(report.notClosed, name).toBe(0);
      expect(report.stalls, name).toBe(0);
      // Still serving: a session key that does not decode is 1007 wherever 0x10B5 goes, an
      // empty body is BAD_BODY (1001) everywhere else.
      const cmd = cmds[0] as number;
      expect(await probe(address, cmd, Buffer.alloc(0)), name).toBe(cmd === 0x10b5 ? 1007 : 1001);
    }
  }, 120_000);

  it('SIGTERM to npm stops every service, frees every port, and leaves no process behind', async () => {
    expect((await stackProcesses()).length).toBeGreaterThanOrEqual(12); // npm, the stack, 11 services
    stack.child.kill('SIGTERM');
    expect(await stack.exited).toEqual({ code: 0, signal: null });
    expect(await stackProcesses()).toEqual([]);
    for (const port of allPorts(ports)) {
      expect(await portRefused(port), `port ${port}`).toBe(true);
    }
  }, 30_000);
});
