/**
 * conf/cs-del-svr.conf documents every key with its default and sets only the defaults; the
 * repeatable URL keys, metadata_server's "empty = none", PIC_PURGE_SECRET and bad values.
 */
import { describe, expect, it } from 'vitest';
import { isClusterKey } from '@pic-storage/service-process';
import { CS_DEL_SVR_CONF_KEYS, readCsDelSvrConf } from '../../../apps/cs-del-svr/src/conf.js';
import { confOf, readShippedConf } from '../../helpers/shipped-conf.js';

describe('cs-del-svr conf', () => {
  it('the shipped file documents every key and sets only the defaults', () => {
    const shipped = readShippedConf('cs-del-svr.conf');
    const documented = [...shipped.documented].filter((key) => !isClusterKey(key));
    expect(documented.sort()).toEqual([...CS_DEL_SVR_CONF_KEYS].sort());
    expect([...shipped.documented].some(isClusterKey)).toBe(true);
    shipped.conf.checkKeys(CS_DEL_SVR_CONF_KEYS);
    expect(readCsDelSvrConf(shipped.conf, {})).toEqual(readCsDelSvrConf(confOf(''), {}));
  });

  it('defaults: port 9030, metadata_dbsvr on 9040, the purge hook of the front on 8081, no external cache, no secret', () => {
    const conf = readCsDelSvrConf(confOf(''), {});
    expect(conf.server.port).toBe(9030);
    expect(conf.metadataServer).toEqual({ host: '127.0.0.1', port: 9040 });
    expect(conf.purgeUrls).toEqual(['http://127.0.0.1:8081/purge']);
    expect(conf.purgeExternal).toEqual([]);
    expect(conf.purgeSecret).toBeUndefined();
    expect(conf.deleteConcurrency).toBe(8);
    expect([conf.connectTimeoutMs, conf.networkTimeoutMs]).toEqual([5000, 10000]);
    expect(conf.clusters.get(0)).toEqual(['127.0.0.1:22122']);
  });

  it('repeated URL lines replace the default; an empty line means none; metadata_server empty means none', () => {
    const conf = readCsDelSvrConf(
      confOf(
        'purge_url = http://10.0.0.1:8081/purge\npurge_url = http://10.0.0.2:8081/purge\n' +
          'purge_external = http://cache:6081\npurge_external = https://cdn.example/\nmetadata_server =\n',
      ),
      {},
    );
    expect(conf.purgeUrls).toEqual(['http://10.0.0.1:8081/purge', 'http://10.0.0.2:8081/purge']);
    expect(conf.purgeExternal).toEqual(['http://cache:6081', 'https://cdn.example/']);
    expect(conf.metadataServer).toBeUndefined();
    expect(readCsDelSvrConf(confOf('purge_url =\n'), {}).purgeUrls).toEqual([]);
  });

  it('PIC_PURGE_SECRET wins over purge_secret; PIC_TRACKER_SERVER replaces cluster 0', () => {
    const conf = confOf('purge_secret = from-conf\ncluster_0 = 10.0.0.1:22122\ncluster_2 = 10.0.2.1:22122\n');
    expect(readCsDelSvrConf(conf, {}).purgeSecret).toBe('from-conf');
    const env = { PIC_PURGE_SECRET: 'from-env', PIC_TRACKER_SERVER: '10.9.9.9:22122' };
    const read = readCsDelSvrConf(conf, env);
    expect(read.purgeSecret).toBe('from-env');
    expect(read.clusters.get(0)).toEqual(['10.9.9.9:22122']);
    expect(read.clusters.get(2)).toEqual(['10.0.2.1:22122']);
  });

  it('a bad value names the file, line and key', () => {
    const message = (text: string) => {
      try {
        readCsDelSvrConf(confOf(text), {});
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(message('\npurge_url = ftp://x/purge\n')).toBe(
      'test.conf:2: purge_url must be an http:// or https:// URL, got "ftp://x/purge"',
    );
    expect(message('purge_external = cache:6081')).toMatch(/^test\.conf:1: purge_external must be an http/);
    expect(message('metadata_server = localhost')).toBe(
      'test.conf:1: metadata_server must be host:port with a port of 1-65535 (or empty for none), got "localhost"',
    );
    expect(message('delete_concurrency = 0')).toBe('test.conf:1: delete_concurrency must be between 1 and 256, got 0');
    expect(message('network_timeout = x')).toBe('test.conf:1: network_timeout must be an integer, got "x"');
  });
});
