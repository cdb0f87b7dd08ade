import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { MetadataListPage, MetadataListRequest, PictureRecord, PictureRow } from '@pic-storage/frame-protocol';
import { ALL_ALBUMS } from '@pic-storage/frame-protocol';

/*
 * The picture metadata: one SQLite row per stored picture, in WAL mode with synchronous=FULL.
 * A write's commit fsyncs the WAL before the call returns, so a row whose register was answered
 * survives SIGKILL and power loss alike (NORMAL would fsync only at checkpoints: it survives a
 * process crash but may lose the last commits to a power cut).
 *
 * better-sqlite3 is synchronous: each call below blocks the event loop while SQLite works. That
 * is right for this service: every request touches at most one row (register, remove) or one
 * index range of at most 101 rows (list), which takes microseconds, plus one WAL fsync per write;
 * an async driver would add a thread hop to each and gain nothing. What must not happen is an
 * unbounded statement, and there is none: lists are keyed by photoid with a capped LIMIT.
 */

/** A photoid is a uint32 on the wire (4001, 4003): SQLite's rowid must stay within it. */
export const MAX_PHOTOID = 0xffffffff;

const SCHEMA_VERSION = 1;
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS pictures (
    -- AUTOINCREMENT: a removed picture's photoid is never handed out again.
    photoid INTEGER PRIMARY KEY AUTOINCREMENT CHECK (photoid BETWEEN 1 AND ${MAX_PHOTOID}),
    uid     INTEGER NOT NULL,
    albumid INTEGER NOT NULL,
    hostid  INTEGER NOT NULL,
    file_id TEXT    NOT NULL,
    name    TEXT    NOT NULL,
    type    TEXT    NOT NULL,
    size    INTEGER NOT NULL,
    width   INTEGER NOT NULL,
    height  INTEGER NOT NULL,
    time    INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX IF NOT EXISTS pictures_by_file ON pictures (hostid, file_id);
  -- SQLite ends every index with the rowid (photoid), so these also give the list order.
  CREATE INDEX IF NOT EXISTS pictures_by_album ON pictures (uid, albumid);
  CREATE INDEX IF NOT EXISTS pictures_by_user ON pictures (uid);
`;

const COLUMNS = 'photoid, uid, albumid, hostid, file_id, name, type, size, width, height, time';

interface Row {
  photoid: number;
  uid: number;
  albumid: number;
  hostid: number;
  file_id: string;
  name: string;
  type: string;
  size: number;
  width: number;
  height: number;
  time: number;
}

export class PictureStore {
  private readonly insert: Database.Statement;
  private readonly findByFile: Database.Statement;
  private readonly deleteByFile: Database.Statement;
  private readonly listAlbum: Database.Statement;
  private readonly listUser: Database.Statement;
  private readonly registerOnce: (record: PictureRecord) => number;

  private constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO pictures (uid, albumid, hostid, file_id, name, type, size, width, height, time)
       VALUES (@uid, @albumid, @hostid, @fdfsUrl, @name, @type, @size, @width, @height, @time)`,
    );
    this.findByFile = db.prepare('SELECT photoid FROM pictures WHERE hostid = ? AND file_id = ?');
    this.deleteByFile = db.prepare('DELETE FROM pictures WHERE hostid = ? AND file_id = ?');
    this.listAlbum = db.prepare(
      `SELECT ${COLUMNS} FROM pictures WHERE uid = ? AND albumid = ? AND photoid < ? ORDER BY photoid DESC LIMIT ?`,
    );
    this.listUser = db.prepare(
      `SELECT ${COLUMNS} FROM pictures WHERE uid = ? AND photoid < ? ORDER BY photoid DESC LIMIT ?`,
    );
    // One transaction (one fsync). The lookup comes first: an INSERT that conflicts would still
    // use up an AUTOINCREMENT value, and retried registers would leave gaps in the photoids.
    this.registerOnce = db.transaction((record: PictureRecord): number => {
      const existing = this.findByFile.get(record.hostid, record.fdfsUrl) as { photoid: number } | undefined;
      if (existing !== undefined) return existing.photoid;
      return Number(this.insert.run(record).lastInsertRowid);
    });
  }

  /** Opens (creating when missing) the database at `path` and its folder. */
  static open(path: string): PictureStore {
    mkdirSync(dirname(path), { recursive: true });
    // A locked database (another process writing) fails the statement after 1 s, not at once;
    // short, because the wait blocks this process's event loop.
    const db = new Database(path, { timeout: 1_000 });
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new Error(`${path} has schema version ${version}; this metadata_dbsvr knows ${SCHEMA_VERSION}`);
      }
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return new PictureStore(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /**
   * The photoid of the picture, registered now or already; `record.fdfsUrl` is the canonical file
   * id. Throws a SqliteError (CHECK) once photoids would pass MAX_PHOTOID.
   */
  register(record: PictureRecord): number {
    return this.registerOnce(record);
  }

  /** True when a row was removed. */
  remove(hostid: number, fileId: string): boolean {
    return this.deleteByFile.run(hostid, fileId).changes > 0;
  }

  /** One page, newest first; `limit` is 1..MAX_LIST_LIMIT (the decoder checked it). */
  list(request: MetadataListRequest): MetadataListPage {
    const before = request.beforePhotoid === 0 ? MAX_PHOTOID + 1 : request.beforePhotoid;
    // One row more than asked tells whether another page follows.
    const rows = (
      request.albumid === ALL_ALBUMS
        ? this.listUser.all(request.uid, before, request.limit + 1)
        : this.listAlbum.all(request.uid, request.albumid, before, request.limit + 1)
    ) as Row[];
    const page = rows.slice(0, request.limit).map(toPictureRow);
    const last = page[page.length - 1];
    return { rows: page, nextBefore: rows.length > request.limit && last !== undefined ? last.photoid : 0 };
  }

  /** What the connection runs with, for the start log (and a test): `wal` and 2 (FULL). */
  journal(): { mode: string; synchronous: number } {
    return {
      mode: this.db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.db.pragma('synchronous', { simple: true }) as number,
    };
  }

  close(): void {
    this.db.close();
  }
}

function toPictureRow(row: Row): PictureRow {
  return {
    photoid: row.photoid,
    uid: row.uid,
    albumid: row.albumid,
    hostid: row.hostid,
    fdfsUrl: row.file_id,
    name: row.name,
    type: row.type,
    size: row.size,
    width: row.width,
    height: row.height,
    time: row.time,
  };
}
