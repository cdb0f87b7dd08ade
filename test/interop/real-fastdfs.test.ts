import { describe, it } from 'vitest';
import { clientConformance } from '../helpers/client-conformance.js';

/**
 * Runs only when FDFS_TRACKER names a real FastDFS tracker (e.g. FDFS_TRACKER=127.0.0.2:22122);
 * FDFS_GROUP defaults to group1. Nothing from FastDFS is in this repo: build it yourself.
 */
const tracker = process.env.FDFS_TRACKER;

if (tracker === undefined || tracker === '') {
  describe('real FastDFS interop', () => {
    it.skip('set FDFS_TRACKER=host:port to run against a real FastDFS', () => undefined);
  });
} else {
  clientConformance(`a real FastDFS at ${tracker}`, {
    tracker: () => tracker,
    group: process.env.FDFS_GROUP ?? 'group1',
    concurrentUploads: 1000,
  });
}
