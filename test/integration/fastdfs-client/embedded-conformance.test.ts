import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { clientConformance } from '../../helpers/client-conformance.js';

let server: EmbeddedFdfs;
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'fdfs-embedded-conformance-'));
  server = new EmbeddedFdfs({ basePath: base, trackerPort: 0, storagePort: 0, logger: false });
  await server.start();
});

afterAll(async () => {
  await server.stop();
  await rm(base, { recursive: true, force: true });
});

clientConformance('the embedded FastDFS', {
  tracker: () => `127.0.0.1:${server.trackerAddress.port}`,
  group: 'group1',
  concurrentUploads: 1000,
});
