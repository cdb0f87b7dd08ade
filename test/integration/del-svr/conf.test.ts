/** conf/del-svr.conf: its values are the code's defaults, every key is known, bad values name the key. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfReader, parseConfText, readConfFile } from 'fastdfs-conf';
import { DEL_SVR_CONF_KEYS, DEL_SVR_DEFAULTS, readDelSvrConf } from '../../../apps/del-svr/src/conf.js';

const CONF = fileURLToPath(new URL('../../../conf/del-svr.conf', import.meta.url));
const confOf = (text: string) => new ConfReader(parseConfText(text, 'conf/del-svr.conf'), 'conf/del-svr.conf');

describe('conf/del-svr.conf', () => {
  it('every value it sets is the default, and it names every key', () => {
    const file = new ConfReader(readConfFile(CONF), 'conf/del-svr.conf');
    file.checkKeys(DEL_SVR_CONF_KEYS);
    expect(readDelSvrConf(file, {})).toEqual(readDelSvrConf(confOf(''), {}));
    const text = readFileSync(CONF, 'utf8');
    for (const key of DEL_SVR_CONF_KEYS) expect(text).toMatch(new RegExp(`^#?${key} = `, 'm'));
  });

  it('defaults: port 9010, fsync on, the log under $PIC_DATA_DIR/del-svr/log/', () => {
    const conf = readDelSvrConf(confOf(''), {});
    expect(conf.server.port).toBe(9010);
    expect(conf.sync).toBe(true);
    expect(conf.maxGroupBytes).toBe(DEL_SVR_DEFAULTS.maxGroupBytes);
    expect(conf.logPath.endsWith(join('del-svr', 'log', 'delete.log'))).toBe(true);
  });

  it('PIC_PORT runs the second instance; base_path and fsync are read', () => {
    const conf = readDelSvrConf(confOf('base_path = /srv/del\nfsync = false\nmax_group_size = 1MB\n'), {
      PIC_PORT: '9011',
    });
    expect(conf).toMatchObject({ logPath: '/srv/del/log/delete.log', sync: false, maxGroupBytes: 1024 * 1024 });
    expect(conf.server.port).toBe(9011);
  });

  it.each([
    ['fsync = maybe', /^conf\/del-svr\.conf:1: fsync must be true or false/],
    ['max_group_size = 1', /^conf\/del-svr\.conf:1: max_group_size must be between 4096/],
    ['max_queued_size = lots', /^conf\/del-svr\.conf:1: max_queued_size must be a size/],
  ])('%s is refused, naming file, line and key', (text, message) => {
    expect(() => readDelSvrConf(confOf(text), {})).toThrow(message);
  });

  it('an unknown key is refused with a suggestion', () => {
    expect(() => confOf('fsycn = true').checkKeys(DEL_SVR_CONF_KEYS)).toThrow(
      /unknown key "fsycn" \(did you mean fsync\?\)/,
    );
  });
});
