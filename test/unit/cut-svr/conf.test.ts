/**
 * conf/cut-svr.conf and the code agree: every key the code knows is in the file (set, or
 * commented out when its default is computed), the values written are the code's defaults, and a
 * bad conf names file, line and key.
 */
import { writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfReader, parseConfText } from 'fastdfs-conf';
import {
  CUT_SVR_CONF_KEYS,
  CUT_SVR_DEFAULTS,
  cutSvrConfFrom,
  defaultCropConcurrency,
  readCutSvrConf,
} from '../../../apps/cut-svr/src/cut-svr-conf.js';
import { tempConfDirEach } from '../../helpers/conf-dir.js';

const CONF_FILE = new URL('../../../conf/cut-svr.conf', import.meta.url);
const fromText = (text: string, env: NodeJS.ProcessEnv = {}) =>
  cutSvrConfFrom(new ConfReader(parseConfText(text, 'conf/cut-svr.conf'), 'conf/cut-svr.conf'), env);

describe('conf/cut-svr.conf', () => {
  const text = readFileSync(CONF_FILE, 'utf8');

  it('has every key the code knows, and no other', () => {
    const reader = new ConfReader(parseConfText(text, 'conf/cut-svr.conf'));
    expect(() => reader.checkKeys(CUT_SVR_CONF_KEYS)).not.toThrow();
    for (const key of CUT_SVR_CONF_KEYS) expect(text).toMatch(new RegExp(`^#?${key} = `, 'm'));
  });

  it("its values are the code's defaults", () => {
    expect(fromText(text)).toEqual(fromText(''));
  });

  it('computes two pictures per core by default, at most the libuv pool (UV_THREADPOOL_SIZE, 4 unset)', () => {
    expect([1, 2, 4, 8].map((cores) => defaultCropConcurrency(cores, 4))).toEqual([2, 4, 4, 4]);
    expect(defaultCropConcurrency(8, 32)).toBe(16);
    expect(defaultCropConcurrency(1, 1)).toBe(1);
    expect(fromText('', { UV_THREADPOOL_SIZE: '64' }).cropConcurrency).toBe(2 * availableParallelism());
  });

  it('the defaults are those the docs give', () => {
    const conf = fromText('');
    expect(conf.server).toMatchObject({ host: '127.0.0.1', port: 9020, maxFrameLength: 1024 * 1024 });
    expect(conf.clusters).toEqual(new Map([[0, ['127.0.0.1:22122']]]));
    expect(conf.cropConcurrency).toBe(Math.min(2 * availableParallelism(), 4)); // UV_THREADPOOL_SIZE unset: 4
    expect(conf.maxQueuedCrops).toBe(CUT_SVR_DEFAULTS.maxQueuedCrops);
    expect(conf.maxSourceSize).toBe(10 * 1024 * 1024);
    expect(conf.image).toEqual({
      maxInputPixels: 40_000_000,
      maxPixels: 40_000_000,
      maxDimension: 10_000,
      timeoutSeconds: 20,
      jpegQuality: 90,
      webpQuality: 90,
    });
    expect(conf.fdfs).toEqual({ connectTimeout: 5000, networkTimeout: 30_000 });
  });
});

describe('cutSvrConfFrom', () => {
  it('reads every key', () => {
    const conf = fromText(
      [
        'port = 9021',
        'crop_concurrency = 3',
        'max_queued_crops = 0',
        'max_source_size = 2MB',
        'max_input_pixels = 1000000',
        'max_crop_dimension = 2000',
        'image_timeout = 5',
        'jpeg_quality = 75',
        'webp_quality = 60',
        'connect_timeout = 2',
        'network_timeout = 9',
        'cluster_0 = 10.0.0.1:22122',
        'cluster_7 = 10.0.0.2:22122, 10.0.0.3:22122',
      ].join('\n'),
    );
    expect(conf.server.port).toBe(9021);
    expect(conf.cropConcurrency).toBe(3);
    expect(conf.maxQueuedCrops).toBe(0);
    expect(conf.maxSourceSize).toBe(2 * 1024 * 1024);
    expect(conf.image).toEqual({
      maxInputPixels: 1_000_000,
      maxPixels: 1_000_000,
      maxDimension: 2000,
      timeoutSeconds: 5,
      jpegQuality: 75,
      webpQuality: 60,
    });
    expect(conf.fdfs).toEqual({ connectTimeout: 2000, networkTimeout: 9000 });
    expect(conf.clusters).toEqual(
      new Map([
        [0, ['10.0.0.1:22122']],
        [7, ['10.0.0.2:22122', '10.0.0.3:22122']],
      ]),
    );
  });

  it('PIC_PORT and PIC_TRACKER_SERVER win over the file', () => {
    const conf = fromText('port = 9020\ncluster_0 = 10.0.0.1:22122\n', {
      PIC_PORT: '9021',
      PIC_TRACKER_SERVER: '127.0.0.1:22123',
    });
    expect(conf.server.port).toBe(9021);
    expect(conf.clusters.get(0)).toEqual(['127.0.0.1:22123']);
  });

  it('a bad value names the file, line and key', () => {
    expect(() => fromText('# q\njpeg_quality = 101\n')).toThrow(
      'conf/cut-svr.conf:2: jpeg_quality must be between 1 and 100, got 101',
    );
    expect(() => fromText('crop_concurrency = 0\n')).toThrow(/cut-svr\.conf:1: crop_concurrency must be between 1/);
    expect(() => fromText('max_source_size = lots\n')).toThrow(/max_source_size must be a size/);
    expect(() => fromText('cluster_2 = nowhere\n')).toThrow(/cluster_2 has "nowhere", not host:port/);
  });
});

describe('readCutSvrConf', () => {
  const confDir = tempConfDirEach('cut-svr-conf-');

  it('no file: the defaults', () => {
    expect(readCutSvrConf({}).conf).toEqual(fromText(''));
  });

  it('cluster_<hostid> lines are known keys; a typo is an error with a did-you-mean', async () => {
    await writeFile(join(confDir(), 'cut-svr.conf'), 'cluster_3 = 10.1.1.1:22122\nmax_queued_crop = 5\n');
    expect(() => readCutSvrConf({})).toThrow(
      /cut-svr\.conf:2: unknown key "max_queued_crop" \(did you mean max_queued_crops\?\)/,
    );
    await writeFile(join(confDir(), 'cut-svr.conf'), 'cluster_3 = 10.1.1.1:22122\n');
    expect(readCutSvrConf({}).conf.clusters.get(3)).toEqual(['10.1.1.1:22122']);
    await writeFile(join(confDir(), 'cut-svr.conf'), 'clusters_3 = 10.1.1.1:22122\n');
    expect(() => readCutSvrConf({})).toThrow(/cut-svr\.conf:1: unknown key "clusters_3"/);
  });
});
