/**
 * PictureStore on a real SQLite file: WAL with synchronous=FULL, idempotent register, remove,
 * keyed paging newest first, photoids never reused, rows kept across a reopen.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_ALBUMS, type PictureRecord } from '@pic-storage/frame-protocol';
import { MAX_PHOTOID, PictureStore } from '../../../apps/metadata-dbsvr/src/picture-store.js';

let dir: string;
let path: string;
let store: PictureStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'picture-store-'));
  path = join(dir, 'sub', 'pictures.db');
  store = PictureStore.open(path);
});

afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
function record(overrides: Partial<PictureRecord> = {}): PictureRecord {
  n++;
  return {
    uid: 1,
    albumid: 0,
    hostid: 0,
    fdfsUrl: `group1/M00/00/00/${String(n).padStart(27, 'A')}000.jpg`,
    name: `p${n}.jpg`,
    type: 'jpg',
    size: 100 + n,
    width: 10,
    height: 20,
    time: 1_700_000_000 + n,
    ...overrides,
  };
}

describe('PictureStore', () => {
  it('opens in WAL mode with synchronous=FULL, creating its folder', () => {
    expect(store.journal()).toEqual({ mode: 'wal', synchronous: 2 }); // 2 = FULL
    // WAL is a property of the file: another connection sees it too.
    const probe = new Database(path, { readonly: true });
    expect(probe.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(probe.pragma('user_version', { simple: true })).toBe(1);
    probe.close();
  });

  it('register returns increasing photoids; the same (hostid, file id) again returns its photoid unchanged', () => {
    const a = record();
    const first = store.register(a);
    const second = store.register(record());
    expect(first).toBeGreaterThanOrEqual(1);
    expect(second).toBe(first + 1);
    expect(store.register({ ...a, name: 'other.jpg', uid: 99 })).toBe(first);
    const [row] = store
      .list({ uid: 1, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 100 })
      .rows.filter((r) => r.photoid === first);
    expect(row).toEqual({ photoid: first, ...a });
    // Same file id in another cluster is another picture.
    expect(store.register({ ...a, hostid: 1 })).toBe(second + 1);
  });

  it('remove deletes by (hostid, file id) and says whether a row was there', () => {
    const a = record();
    store.register(a);
    expect(store.remove(1, a.fdfsUrl)).toBe(false);
    expect(store.remove(0, a.fdfsUrl)).toBe(true);
    expect(store.remove(0, a.fdfsUrl)).toBe(false);
    expect(store.list({ uid: 1, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 10 }).rows).toEqual([]);
  });

  it('a removed photoid is never handed out again', () => {
    const a = record();
    const id = store.register(a);
    store.remove(0, a.fdfsUrl);
    expect(store.register(record())).toBe(id + 1);
  });

  it('lists newest first, one album or all, page by page until next_before is 0', () => {
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) ids.push(store.register(record({ albumid: i % 2 })));
    store.register(record({ uid: 2 }));
    const all: number[] = [];
    let before = 0;
    for (let pages = 0; pages < 10; pages++) {
      const page = store.list({ uid: 1, albumid: ALL_ALBUMS, beforePhotoid: before, limit: 3 });
      all.push(...page.rows.map((r) => r.photoid));
      if (page.nextBefore === 0) break;
      expect(page.rows).toHaveLength(3);
      expect(page.nextBefore).toBe(page.rows[2]?.photoid);
      before = page.nextBefore;
    }
    expect(all).toEqual([...ids].reverse());
    const album1 = store.list({ uid: 1, albumid: 1, beforePhotoid: 0, limit: 100 });
    expect(album1.rows.map((r) => r.photoid)).toEqual([ids[5], ids[3], ids[1]]);
    expect(album1.nextBefore).toBe(0);
    // A page that ends exactly at the last row says so.
    expect(store.list({ uid: 1, albumid: 1, beforePhotoid: 0, limit: 3 }).nextBefore).toBe(0);
    expect(store.list({ uid: 3, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 3 })).toEqual({
      rows: [],
      nextBefore: 0,
    });
  });

  it('keeps every row across close and reopen', () => {
    const rows = Array.from({ length: 20 }, () => record({ uid: 5 }));
    const ids = rows.map((r) => store.register(r));
    store.close();
    store = PictureStore.open(path);
    const page = store.list({ uid: 5, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 100 });
    expect(page.rows.map((r) => r.photoid)).toEqual([...ids].reverse());
    expect(page.rows.at(-1)).toEqual({ photoid: ids[0], ...rows[0] });
  });

  it('refuses a photoid past uint32 instead of wrapping it', () => {
    store.close();
    const db = new Database(path);
    db.prepare("INSERT OR REPLACE INTO sqlite_sequence (name, seq) VALUES ('pictures', ?)").run(MAX_PHOTOID - 1);
    db.close();
    store = PictureStore.open(path);
    expect(store.register(record())).toBe(MAX_PHOTOID);
    expect(() => store.register(record())).toThrow(/CHECK constraint/);
    // The failed register left nothing behind and the store still answers.
    expect(store.list({ uid: 1, albumid: ALL_ALBUMS, beforePhotoid: 0, limit: 10 }).rows).toHaveLength(1);
  });

  it('refuses a database written by a newer schema', () => {
    store.close();
    const db = new Database(path);
    db.pragma('user_version = 2');
    db.close();
    expect(() => PictureStore.open(path)).toThrow(/schema version 2/);
    store = PictureStore.open(join(dir, 'other.db'));
  });
});
