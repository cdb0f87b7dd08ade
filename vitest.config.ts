import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not dist/, so no build step is needed first.
    alias: [
      { find: /^fastdfs-client-ts\/protocol$/, replacement: src('./libs/fastdfs-client-ts/src/protocol/index.ts') },
      { find: /^fastdfs-client-ts\/file-id$/, replacement: src('./libs/fastdfs-client-ts/src/file-id.ts') },
      { find: /^fastdfs-client-ts\/conf-file$/, replacement: src('./libs/fastdfs-client-ts/src/conf-file.ts') },
      { find: /^fastdfs-client-ts\/errors$/, replacement: src('./libs/fastdfs-client-ts/src/errors.ts') },
      { find: /^fastdfs-client-ts$/, replacement: src('./libs/fastdfs-client-ts/src/index.ts') },
      { find: /^@pic-storage\/fdfs-embedded$/, replacement: src('./libs/fdfs-embedded/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
