/** conf/del-file-ontime.conf: its values are the code's defaults, bad values name file, line and key. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfReader, parseConfText, readConfFile } from 'fastdfs-conf';
import {
  DEL_FILE_ONTIME_CONF_KEYS,
  DEL_FILE_ONTIME_DEFAULTS,
  readDelFileOntimeConf,
} from '../../../apps/del-file-ontime/src/conf.js';

const CONF = fileURLToPath(new URL('../../../conf/del-file-ontime.conf', import.meta.url));
const confOf = (text: string) =>
  new ConfReader(parseConfText(text, 'conf/del-file-ontime.conf'), 'conf/del-file-ontime.conf');

describe('conf/del-file-ontime.conf', () => {
  it('sets every key, each to its default', () => {
    const file = new ConfReader(readConfFile(CONF), 'conf/del-file-ontime.conf');
    file.checkKeys(DEL_FILE_ONTIME_CONF_KEYS);
    expect(file.keys().sort()).toEqual([...DEL_FILE_ONTIME_CONF_KEYS].sort());
    expect(readDelFileOntimeConf(file)).toEqual(DEL_FILE_ONTIME_DEFAULTS);
    expect(readDelFileOntimeConf(confOf(''))).toEqual(DEL_FILE_ONTIME_DEFAULTS);
  });

  it.each([
    ['batch_size = 0', /^conf\/del-file-ontime\.conf:1: batch_size must be between 1 and 4096/],
    ['batch_size = 4097', /batch_size must be between 1 and 4096/],
    ['network_timeout = 1.5', /^conf\/del-file-ontime\.conf:1: network_timeout must be an integer/],
    ['connect_timeout = 0', /connect_timeout must be between 1 and 3600/],
  ])('%s is refused', (text, message) => {
    expect(() => readDelFileOntimeConf(confOf(text))).toThrow(message);
  });
});
