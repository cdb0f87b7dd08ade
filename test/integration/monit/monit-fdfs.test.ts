/**
 * `monit fdfs` against an embedded FastDFS (ACTIVE → exit 0), a dead tracker port (exit 1, one
 * line), and a scripted tracker whose storages are OFFLINE or ACTIVE but not answering; the
 * command line (usage errors exit 2, --help, --version, --json); and the bin as a process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import {
  CONNECTION_FIELDS,
  Cmd,
  STAT_FIELDS,
  StorageStatus,
  encodeGroupStat,
  encodeStorageStat,
  type StorageCounters,
} from 'fastdfs-protocol';
import { main } from '../../../apps/monit/src/main.js';
import type { MonitIo } from '../../../apps/monit/src/io.js';
import { FakeFdfsServer } from '../../helpers/fake-fdfs-server.js';
import { deadPort } from '../../helpers/http-recorder.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';
import { assertMonitBuilt, runMonitBin } from '../../helpers/monit-bin.js';

let embedded: EmbeddedFdfs;
let base: string;
let tracker: string;
let storagePort: number;
let dead: number;
let dir: string;

beforeAll(async () => {
  ({ server: embedded, basePath: base } = await startEmbedded());
  tracker = `127.0.0.1:${embedded.trackerAddress.port}`;
  storagePort = embedded.storageAddress.port;
  dead = await deadPort();
  dir = await mkdtemp(join(tmpdir(), 'monit-'));
});

afterAll(async () => {
  await embedded.stop();
  await removeDir(base);
  await rm(dir, { recursive: true, force: true });
});

async function monit(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: MonitIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: dir,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('monit fdfs against an embedded FastDFS', () => {
  it('every storage ACTIVE and answering: exit 0 and one OK line', async () => {
    expect(await monit(['fdfs', '--tracker', tracker])).toEqual({
      code: 0,
      stdout: `OK group1 127.0.0.1:${storagePort} ACTIVE\n`,
      stderr: '',
    });
  });

  it('--group and --storage (ip, or ip:port) narrow the check', async () => {
    const line = `OK group1 127.0.0.1:${storagePort} ACTIVE\n`;
    expect((await monit(['fdfs', '--tracker', tracker, '--group', 'group1'])).stdout).toBe(line);
    expect((await monit(['fdfs', '--tracker', tracker, '--storage', '127.0.0.1'])).stdout).toBe(line);
    const both = await monit([
      'fdfs',
      '--tracker',
      tracker,
      '--group',
      'group1',
      '--storage',
      `127.0.0.1:${storagePort}`,
    ]);
    expect(both).toMatchObject({ code: 0, stdout: line });
  });

  it('a storage or group the tracker does not list: exit 1, one FAIL line naming it', async () => {
    const storage = await monit(['fdfs', '--tracker', tracker, '--storage', '10.9.9.9:23000']);
    expect(storage).toEqual({
      code: 1,
      stdout: `FAIL storage 10.9.9.9:23000 not in any group (storages: group1 127.0.0.1:${storagePort})\n`,
      stderr: '',
    });
    const group = await monit(['fdfs', '--tracker', tracker, '--group', 'group9']);
    expect(group.code).toBe(1);
    expect(group.stdout).toMatch(/^FAIL group group9 unknown to tracker 127\.0\.0\.1:\d+\n$/);
  });

  it('trackers from PIC_TRACKER_SERVER, or from --conf client.conf', async () => {
    const env = await monit(['fdfs'], { PIC_TRACKER_SERVER: tracker });
    expect(env).toMatchObject({ code: 0, stdout: `OK group1 127.0.0.1:${storagePort} ACTIVE\n` });
    await writeFile(join(dir, 'client.conf'), `tracker_server = ${tracker}\nnetwork_timeout = 5\n`);
    const conf = await monit(['fdfs', '--conf', 'client.conf'], { PIC_TRACKER_SERVER: `127.0.0.1:${dead}` });
    expect(conf).toMatchObject({ code: 0, stdout: `OK group1 127.0.0.1:${storagePort} ACTIVE\n` });
  });

  it('--json: one document with the same verdict', async () => {
    const { code, stdout } = await monit(['fdfs', '--tracker', tracker, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      ok: true,
      line: `OK group1 127.0.0.1:${storagePort} ACTIVE`,
      trackers: [tracker],
      storages: [{ group: 'group1', ip: '127.0.0.1', port: storagePort, status: 'ACTIVE', ok: true }],
    });
  });
});

describe('monit fdfs failures', () => {
  it('a dead tracker port: exit 1 and one line saying which tracker and why', async () => {
    const { code, stdout, stderr } = await monit(['fdfs', '--tracker', `127.0.0.1:${dead}`, '--timeout', '2']);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toHaveLength(2); // one line and its newline
    expect(stdout).toMatch(new RegExp(`^FAIL tracker 127\\.0\\.0\\.1:${dead} unreachable: .*ECONNREFUSED.*\\n$`));
  });

  it('OFFLINE, or ACTIVE on the tracker but not answering: exit 1, the failures first', async () => {
    const storage = (ip: string, port: number, status: number) =>
      encodeStorageStat({
        status,
        rwMode: 6,
        id: ip,
        ip,
        srcId: '',
        version: '6.16.1',
        joinTime: 0,
        upTime: 0,
        totalMb: 100,
        freeMb: 50,
        reservedMb: 0,
        uploadPriority: 10,
        storePathCount: 1,
        subdirCountPerPath: 256,
        currentWritePath: 0,
        storagePort: port,
        ifTrunkServer: false,
        counters: Object.fromEntries([...CONNECTION_FIELDS, ...STAT_FIELDS].map((f) => [f, 0])) as StorageCounters,
      });
    const group = encodeGroupStat({
      group: 'group1',
      totalMb: 100,
      freeMb: 50,
      reservedMb: 0,
      trunkFreeMb: 0,
      storageCount: 3,
      storagePort: 23000,
      readableServerCount: 1,
      writableServerCount: 1,
      currentWriteServer: 0,
      storePathCount: 1,
      subdirCountPerPath: 256,
      currentTrunkFileId: -1,
    });
    // The fake is the tracker, and also the one storage that answers ACTIVE_TEST.
    let self = 0;
    const fake = new FakeFdfsServer((req) => {
      if (req.cmd === Cmd.SERVER_LIST_ALL_GROUPS) return { reply: group };
      if (req.cmd === Cmd.SERVER_LIST_STORAGE) {
        return {
          reply: Buffer.concat([
            storage('127.0.0.1', self, StorageStatus.ACTIVE),
            storage('10.0.0.6', 23000, StorageStatus.OFFLINE),
            storage('127.0.0.1', dead, StorageStatus.ACTIVE),
          ]),
        };
      }
      if (req.cmd === Cmd.ACTIVE_TEST) return { reply: Buffer.alloc(0) };
      return { close: true };
    });
    self = await fake.listen();
    try {
      const { code, stdout } = await monit(['fdfs', '--tracker', fake.address, '--timeout', '2']);
      expect(code).toBe(1);
      expect(stdout).toMatch(
        new RegExp(
          `^FAIL group1 10\\.0\\.0\\.6:23000 OFFLINE, group1 127\\.0\\.0\\.1:${dead} ACTIVE but not answering: ` +
            `.*ECONNREFUSED.*, group1 127\\.0\\.0\\.1:${self} ACTIVE\\n$`,
        ),
      );
      // Only the storage asked about counts.
      const one = await monit(['fdfs', '--tracker', fake.address, '--storage', `127.0.0.1:${self}`]);
      expect(one).toMatchObject({ code: 0, stdout: `OK group1 127.0.0.1:${self} ACTIVE\n` });
    } finally {
      await fake.close();
    }
  });
});

describe('monit command line', () => {
  it('--help lists the checks; --version prints the version', async () => {
    const help = await monit(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: monit <check>/);
    expect(help.stdout).toMatch(/\n {2}fdfs +is a FastDFS group's storage ACTIVE/);
    expect(await monit(['--version'])).toEqual({ code: 0, stdout: 'monit 0.1.0\n', stderr: '' });
    const fdfsHelp = await monit(['fdfs', '--help']);
    expect(fdfsHelp.code).toBe(0);
    expect(fdfsHelp.stdout).toMatch(/^usage: monit fdfs \[--tracker host\[:port\]\]/);
  });

  it('bad command lines exit 2 with the message and the usage on stderr, and check nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^monit: no check given\nusage: monit <check>/],
      [['cachee'], /^monit: unknown check "cachee"\n/],
      [['fdfs', '--trackr', 'x'], /^monit fdfs: unknown option --trackr\nusage: monit fdfs /],
      [['fdfs', '--tracker'], /^monit fdfs: Option '--tracker <value>' argument missing\n/],
      [['fdfs', 'extra'], /^monit fdfs: unexpected argument "extra"\n/],
      [['fdfs', '--tracker', 'host:99999'], /^monit fdfs: --tracker "host:99999": port must be 1-65535\n/],
      [['fdfs', '--group', 'group/1'], /^monit fdfs: --group "group\/1" must be 1-16 letters or digits\n/],
      [['fdfs', '--storage', 'a:b'], /^monit fdfs: --storage "a:b" must be ip or ip:port\n/],
      [['fdfs', '--timeout', '0'], /^monit fdfs: --timeout "0" must be 1-3600 seconds\n/],
      [['fdfs', '--conf', 'missing.conf'], /^monit fdfs: --conf: .*missing\.conf/],
    ];
    for (const [argv, stderr] of cases) {
      const result = await monit(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stdout, argv.join(' ')).toBe('');
      expect(result.stderr, argv.join(' ')).toMatch(stderr);
    }
  });

  it('the bin runs as a process: exit 0 healthy, 1 unreachable', async () => {
    assertMonitBuilt('main.js');
    expect(await runMonitBin(['fdfs', '--tracker', tracker])).toEqual({
      code: 0,
      stdout: `OK group1 127.0.0.1:${storagePort} ACTIVE\n`,
    });
    const down = await runMonitBin(['fdfs', '--tracker', `127.0.0.1:${dead}`, '--timeout', '2']);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^FAIL tracker .* unreachable: /);
  });
});
