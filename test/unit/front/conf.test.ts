import { describe, expect, it } from 'vitest';
import { isClusterKey } from '@pic-storage/service-process';
import { DEV_DES_KEY } from '@pic-storage/session-key';
import { FRONT_CONF_KEYS, FRONT_DEFAULTS, readFrontConf } from '../../../apps/front/src/conf.js';
import { confOf, readShippedConf } from '../../helpers/shipped-conf.js';

describe('conf/front.conf', () => {
  it('sets exactly the defaults of the code, and documents every key', () => {
    const shipped = readShippedConf('front.conf');
    shipped.conf.checkKeys(FRONT_CONF_KEYS);
    const documented = [...shipped.documented].filter((key) => !isClusterKey(key));
    expect(documented.sort()).toEqual([...FRONT_CONF_KEYS].sort());
    expect(readFrontConf(shipped.conf, {})).toEqual(readFrontConf(confOf(''), {}));
  });

  it('defaults: 127.0.0.1:8081, 5 MiB uploads, 256 MiB cache, fit, metadata on 9040, loopback purges, dev key', () => {
    const conf = readFrontConf(confOf(''), {});
    expect(conf.http).toMatchObject({ host: '127.0.0.1', port: 8081 });
    expect(conf.upload).toMatchObject({
      hostid: 0,
      maxSize: 5 * 1024 * 1024,
      limitMode: 'fit',
      serverIp: undefined,
      allowedTypes: ['jpg', 'png', 'gif', 'webp'],
      metadataServer: { host: '127.0.0.1', port: 9040 },
      corsOrigins: [],
    });
    expect(conf.cache).toEqual({
      memoryBytes: FRONT_DEFAULTS.cacheMemory,
      maxObjectBytes: 8 * 1024 * 1024,
      cacheControlMaxAge: 2_592_000,
      redis: undefined,
    });
    expect(conf.session).toMatchObject({ desKey: DEV_DES_KEY, desKeySource: 'default', maxChecks: 30 });
    expect(conf.purge).toEqual({ allow: ['127.0.0.1', '::1'], secret: undefined, external: [] });
    expect(conf.antiSteal).toBeUndefined();
    expect(conf.fastdfs.storageSyncFileMaxDelayMs).toBe(86_400_000);
  });

  it('the environment wins: PIC_PORT, PIC_SESSION_DES_KEY, PIC_REDIS_URL (turning the Redis cache on), PIC_PURGE_SECRET', () => {
    const conf = readFrontConf(confOf('port = 9000\nredis_cache_ttl = 60'), {
      PIC_PORT: '18081',
      PIC_SESSION_DES_KEY: 'pic$KEY1',
      PIC_REDIS_URL: 'redis://127.0.0.1:6390',
      PIC_PURGE_SECRET: 's3cret',
      PIC_TRACKER_SERVER: '10.0.0.1:22122',
    });
    expect(conf.http.port).toBe(18081);
    expect(conf.session).toMatchObject({ desKey: 'pic$KEY1', desKeySource: 'env', redisUrl: 'redis://127.0.0.1:6390' });
    expect(conf.cache.redis).toEqual({ ttlSeconds: 60, maxObjectBytes: 1024 * 1024 });
    expect(conf.purge.secret).toBe('s3cret');
    expect(conf.clusters.get(0)).toEqual(['10.0.0.1:22122']);
    expect(readFrontConf(confOf('redis_cache = no'), { PIC_REDIS_URL: 'redis://h:1' }).cache.redis).toBeUndefined();
  });

  it('anti-steal: on needs a secret; its fail picture and ttl', () => {
    expect(() => readFrontConf(confOf('anti_steal_check_token = yes', 'front.conf'), {})).toThrow(
      /^front\.conf:\d*:? ?anti_steal_secret_key must be set when anti_steal_check_token is on/,
    );
    const conf = readFrontConf(
      confOf('anti_steal_check_token = yes\nanti_steal_secret_key = k\nanti_steal_token_fail = steal.jpg'),
      {},
    );
    expect(conf.antiSteal).toEqual({ secret: 'k', ttlSeconds: 900, failPicture: 'steal.jpg' });
  });

  it.each([
    ['limit_mode = shrink', /limit_mode must be fit or reject, got "shrink"/],
    ['server_ip = 10.1.1', /server_ip must be an IPv4 address a\.b\.c\.d, got "10\.1\.1"/],
    ['allowed_types = jpg, bmp', /allowed_types has "bmp"; known types: jpg, png, gif, webp/],
    ['cors_origins = https://game.example.com/', /cors_origins must list origins such as/],
    ['metadata_server = localhost', /metadata_server must be host:port/],
    ['upload_hostid = 3', /upload_hostid names hostid 3, which has no cluster_3 line/],
    ['purge_external = ftp://cache', /purge_external must be an http:\/\/ or https:\/\/ URL, got "ftp:\/\/cache"/],
    ['upload_group = g/01', /upload_group must be 1-16 letters or digits/],
    ['des_key = short', /des_key must be exactly 8 bytes/],
    ['upload_max_in_flight = 0', /upload_max_in_flight must be between 1 and 100000, got 0/],
    ['image_timeout = 0', /image_timeout must be between 1 and 3600, got 0/],
  ])('%s is refused with file, line and key', (line, message) => {
    expect(() => readFrontConf(confOf(`\n${line}`, 'front.conf'), {})).toThrow(message);
    expect(() => readFrontConf(confOf(`\n${line}`, 'front.conf'), {})).toThrow(/^front\.conf:2: /);
  });

  it('upload_max_in_flight and image_timeout bound upload.cgi (64 at once, 30 s a scale by default)', () => {
    expect(readFrontConf(confOf(''), {}).upload).toMatchObject({ maxInFlight: 64, imageTimeoutSeconds: 30 });
    const conf = readFrontConf(confOf('upload_max_in_flight = 8\nimage_timeout = 5'), {});
    expect(conf.upload).toMatchObject({ maxInFlight: 8, imageTimeoutSeconds: 5 });
  });

  it('an empty metadata_server registers nothing; cors_origins lists origins or *', () => {
    expect(readFrontConf(confOf('metadata_server ='), {}).upload.metadataServer).toBeUndefined();
    expect(
      readFrontConf(confOf('cors_origins = https://a.example, http://b.example:8080'), {}).upload.corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(readFrontConf(confOf('cors_origins = *'), {}).upload.corsOrigins).toEqual(['*']);
  });
});
