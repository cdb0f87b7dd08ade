import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FdfsClient } from 'fastdfs-client-ts';
import { clientConformance } from '../helpers/client-conformance.js';

/**
 * Runs only when FDFS_TRACKER names a real FastDFS tracker (e.g. FDFS_TRACKER=127.0.0.2:22122);
 * FDFS_GROUP defaults to group1. Nothing from FastDFS is in this repo: build it yourself.
 *
 * Held to date against FastDFS 6.16.1 and 6.12.4. Where they differ (a download at or past the end
 * of a file, a slave file's CRC32), the suite expects what the version under test does, reading
 * that version from the storage's entry in the tracker (the `version` fdfs_monitor shows): no
 * setting is needed. FDFS_VERSION (e.g. 6.12), when set, must match it: a guard against running
 * against another server than meant. The C tools used (FDFS_C_TOOLS_DIR, default /usr/bin) may be
 * of another version than the server.
 *
 *   FDFS_TRACKER=127.0.0.2:22222 npx vitest run test/interop
 *   FDFS_TRACKER=127.0.0.2:22312 FDFS_VERSION=6.12 FDFS_C_TOOLS_DIR=/opt/fdfs612/usr/bin npx vitest run test/interop
 */
const tracker = process.env.FDFS_TRACKER;
const group = process.env.FDFS_GROUP ?? 'group1';
const expectedVersion = process.env.FDFS_VERSION;

if (tracker === undefined || tracker === '') {
  describe('real FastDFS interop', () => {
    it.skip('set FDFS_TRACKER=host:port to run against a real FastDFS', () => undefined);
  });
} else {
  describe.skipIf(expectedVersion === undefined || expectedVersion === '')('the server under test', () => {
    let client: FdfsClient;
    beforeAll(() => {
      client = new FdfsClient({ trackers: [tracker], networkTimeout: 15_000 });
    });
    afterAll(() => client.close());

    it(`reports version ${expectedVersion ?? ''} (FDFS_VERSION)`, async () => {
      const versions = (await client.listStorages(group)).map((s) => s.version);
      expect(versions.length).toBeGreaterThan(0);
      for (const version of versions) expect(`${version}.`.startsWith(`${expectedVersion}.`)).toBe(true);
    });
  });

  clientConformance(`a real FastDFS at ${tracker}`, {
    tracker: () => tracker,
    group,
    concurrentUploads: 1000,
  });
}
