import { afterAll, beforeAll } from 'vitest';
import type { EmbeddedFdfs } from '@pic-storage/fdfs-embedded';
import { clientConformance } from '../../helpers/client-conformance.js';
import { removeDir, startEmbedded } from '../../helpers/raw-client.js';

let server: EmbeddedFdfs;
let base: string;

beforeAll(async () => {
  ({ server, basePath: base } = await startEmbedded());
});

afterAll(async () => {
  await server.stop();
  await removeDir(base);
});
clientConformance('the embedded FastDFS', {
  tracker: () => `127.0.0.1:${server.trackerAddress.port}`,
  group: 'group1',
  concurrentUploads: 1000,
});
