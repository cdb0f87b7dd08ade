/**
 * conf/metadata-dbsvr.conf documents every key with its default, and the values it sets are the
 * code's defaults; the database path follows PIC_DATA_DIR, else base_path, else ./data/metadata.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { METADATA_DBSVR_CONF_KEYS, readMetadataDbsvrConf } from '../../../apps/metadata-dbsvr/src/conf.js';
import { confOf, readShippedConf } from '../../helpers/shipped-conf.js';

describe('metadata-dbsvr conf', () => {
  it('the shipped file documents every key and sets only the defaults', () => {
    const shipped = readShippedConf('metadata-dbsvr.conf');
    expect([...shipped.documented].sort()).toEqual([...METADATA_DBSVR_CONF_KEYS].sort());
    shipped.conf.checkKeys(METADATA_DBSVR_CONF_KEYS);
    expect(readMetadataDbsvrConf(shipped.conf, {})).toEqual(readMetadataDbsvrConf(confOf(''), {}));
  });

  it('defaults: port 9040, ./data/metadata/pictures.db', () => {
    const conf = readMetadataDbsvrConf(confOf(''), {});
    expect(conf.server.port).toBe(9040);
    expect(conf.server.host).toBe('127.0.0.1');
    expect(conf.dbPath).toBe(resolve('data/metadata/pictures.db'));
  });

  it('base_path moves the database; PIC_DATA_DIR wins over it; PIC_PORT over port', () => {
    const conf = confOf('base_path = /srv/meta\nport = 9041\n');
    expect(readMetadataDbsvrConf(conf, {}).dbPath).toBe('/srv/meta/pictures.db');
    expect(readMetadataDbsvrConf(conf, {}).server.port).toBe(9041);
    const env = { PIC_DATA_DIR: '/data/pic', PIC_PORT: '0' };
    expect(readMetadataDbsvrConf(conf, env).dbPath).toBe('/data/pic/metadata/pictures.db');
    expect(readMetadataDbsvrConf(conf, env).server.port).toBe(0);
  });

  it('a bad value names the file, line and key', () => {
    expect(() => readMetadataDbsvrConf(confOf('\nport = 70000\n'), {})).toThrow(
      'test.conf:2: port must be between 0 and 65535, got 70000',
    );
    expect(() => confOf('base_pth = /x\n').checkKeys(METADATA_DBSVR_CONF_KEYS)).toThrow(
      'test.conf:1: unknown key "base_pth" (did you mean base_path?)',
    );
  });
});
