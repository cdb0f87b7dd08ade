import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FRAME_SERVER_DEFAULTS } from '@pic-storage/frame-service';
import {
  FRAME_SERVER_CONF_KEYS,
  isClusterKey,
  readFrameServerConf,
  readServiceConf,
} from '@pic-storage/service-process';
import { tempConfDirEach } from '../../helpers/conf-dir.js';
import { confOf } from '../../helpers/shipped-conf.js';

const confDir = tempConfDirEach('service-conf-');

describe('readServiceConf', () => {
  it('reads $PIC_CONF_DIR/<file>; a missing file is the defaults', async () => {
    expect(readServiceConf('absent.conf', ['port']).exists).toBe(false);
    await writeFile(join(confDir(), 'svc.conf'), 'port = 9999\n');
    const { conf, exists, path } = readServiceConf('svc.conf', ['port']);
    expect([exists, path, conf.int('port', 0, 65535)]).toEqual([true, join(confDir(), 'svc.conf'), 9999]);
  });

  it('refuses an unknown key with file, line and a did-you-mean', async () => {
    await writeFile(join(confDir(), 'svc.conf'), '# comment\nprot = 9999\n');
    expect(() => readServiceConf('svc.conf', ['port'])).toThrow(
      /svc\.conf:2: unknown key "prot" \(did you mean port\?\)/,
    );
  });

  it('accepts keys that follow a pattern through the predicate, and only those', async () => {
    await writeFile(join(confDir(), 'svc.conf'), 'port = 1\ncluster_3 = 10.0.0.1:22122\n');
    expect(readServiceConf('svc.conf', ['port'], isClusterKey).conf.string('cluster_3')).toBe('10.0.0.1:22122');
    await writeFile(join(confDir(), 'svc.conf'), 'port = 1\nclustr_3 = 10.0.0.1:22122\n');
    expect(() => readServiceConf('svc.conf', ['port'], isClusterKey)).toThrow(/svc\.conf:2: unknown key "clustr_3"/);
  });
});

describe('readFrameServerConf', () => {
  it('gives the runtime defaults and the service port when the conf sets nothing', () => {
    expect(readFrameServerConf(confOf(''), 9010, {})).toEqual({
      host: FRAME_SERVER_DEFAULTS.host,
      port: 9010,
      maxConnections: FRAME_SERVER_DEFAULTS.maxConnections,
      maxInFlightPerConnection: FRAME_SERVER_DEFAULTS.maxInFlightPerConnection,
      idleTimeoutMs: FRAME_SERVER_DEFAULTS.idleTimeoutMs,
      maxFrameLength: FRAME_SERVER_DEFAULTS.maxFrameLength,
    });
  });

  it('reads every key in FastDFS units (seconds, sizes), and PIC_PORT wins over port', () => {
    const text = [
      'bind_addr = 0.0.0.0',
      'port = 9010',
      'max_connections = 10',
      'max_in_flight_per_connection = 4',
      'idle_timeout = 60',
      'max_frame_length = 64KB',
    ].join('\n');
    const conf = confOf(text);
    conf.checkKeys(FRAME_SERVER_CONF_KEYS);
    expect(readFrameServerConf(conf, 1, { PIC_PORT: '9011' })).toEqual({
      host: '0.0.0.0',
      port: 9011,
      maxConnections: 10,
      maxInFlightPerConnection: 4,
      idleTimeoutMs: 60_000,
      maxFrameLength: 64 * 1024,
    });
  });

  it('names a bad value, and refuses a bad PIC_PORT', () => {
    expect(() => readFrameServerConf(confOf('port = 70000'), 1, {})).toThrow(/port must be between 0 and 65535/);
    expect(() => readFrameServerConf(confOf('max_frame_length = 10'), 1, {})).toThrow(/max_frame_length/);
    expect(() => readFrameServerConf(confOf(''), 1, { PIC_PORT: 'http' })).toThrow(/PIC_PORT must be a port number/);
  });
});
