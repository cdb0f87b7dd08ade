/**
 * An acknowledged register survives SIGKILL: metadata_dbsvr runs as a child process (the built
 * apps/metadata-dbsvr/dist/main.js, as `npm start` runs it), many registers are sent at once, and
 * the moment the 150th reply arrives the process is killed with SIGKILL. Reopened, the database
 * holds every photoid that was answered, with its file id.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  ALL_ALBUMS,
  Cmd,
  decodeMetadataRegisterResponse,
  encodeMetadataRegisterRequest,
} from '@pic-storage/frame-protocol';
import { FrameClient } from '@pic-storage/frame-service';
import { PictureStore } from '../../../apps/metadata-dbsvr/src/picture-store.js';

const MAIN = fileURLToPath(new URL('../../../apps/metadata-dbsvr/dist/main.js', import.meta.url));
const SENT = 400;
const KILL_AT = 150;

let dir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'metadata-sigkill-'));
  await writeFile(join(dir, 'metadata-dbsvr.conf'), 'port = 0\n');
});

afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Starts the built service; resolves with its port once it logs 'listening'. */
async function startChild(): Promise<{ process: ChildProcess; port: number; exited: Promise<unknown> }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npx tsc -b first`);
  const proc = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PIC_CONF_DIR: dir, PIC_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = proc;
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const log = JSON.parse(line) as { msg?: string; port?: number };
      if (log.msg === 'listening' && log.port !== undefined) resolve(log.port);
    });
    void exited.then((how) => reject(new Error(`metadata-dbsvr exited before listening: ${JSON.stringify(how)}`)));
  });
  return { process: proc, port, exited };
}

const fileIdOf = (i: number) => `group1/M00/00/03/${String(i).padStart(27, 'K')}000.jpg`;

it('every photoid answered before SIGKILL is in the database afterwards', async () => {
  const server = await startChild();
  const client = new FrameClient({ host: '127.0.0.1', port: server.port, requestTimeoutMs: 20_000 });
  const acked = new Map<number, string>();
  const requests = Array.from({ length: SENT }, (_, i) =>
    client
      .request(
        Cmd.METADATA_REGISTER,
        encodeMetadataRegisterRequest({
          uid: 77,
          albumid: i % 3,
          hostid: 0,
          fdfsUrl: fileIdOf(i),
          name: `${i}.jpg`,
          type: 'jpg',
          size: i,
          width: 1,
          height: 1,
          time: 1_700_000_000,
        }),
      )
      .then((response) => {
        expect(response.ret).toBe(0);
        acked.set(decodeMetadataRegisterResponse(response.body), fileIdOf(i));
        // Killed in the same tick as the reply that makes KILL_AT: no time for a late flush.
        if (acked.size === KILL_AT) server.process.kill('SIGKILL');
      }),
  );
  const outcomes = await Promise.allSettled(requests);
  expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
  await client.close();
  // Some replies may have been on the way when the kill landed; at least KILL_AT were answered.
  expect(acked.size).toBeGreaterThanOrEqual(KILL_AT);
  expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(acked.size);

  const store = PictureStore.open(join(dir, 'data', 'metadata', 'pictures.db'));
  try {
    const stored = new Map<number, string>();
    let before = 0;
    for (;;) {
      const page = store.list({ uid: 77, albumid: ALL_ALBUMS, beforePhotoid: before, limit: 100 });
      for (const row of page.rows) stored.set(row.photoid, row.fdfsUrl);
      if (page.nextBefore === 0) break;
      before = page.nextBefore;
    }
    for (const [photoid, fileId] of acked) expect(stored.get(photoid)).toBe(fileId);
  } finally {
    store.close();
  }
});
