import { describe, expect, it } from 'vitest';
import { listenAddresses, startupTable } from '../../../apps/stack/src/startup-table.js';

describe('listenAddresses', () => {
  it('reads each shape the services log their listening line in', () => {
    expect(listenAddresses({ msg: 'listening', host: '127.0.0.1', port: 9010, log: '/x' })).toEqual([
      { host: '127.0.0.1', port: 9010 },
    ]);
    // The front also names the metadata server it connects to: not a listener.
    expect(
      listenAddresses({
        msg: 'listening',
        address: { host: '0.0.0.0', port: 8081 },
        metadata: { host: '127.0.0.1', port: 9040 },
      }),
    ).toEqual([{ host: '0.0.0.0', port: 8081 }]);
    expect(
      listenAddresses({
        msg: 'listening',
        conf: 'conf/fdfs-embedded.conf',
        tracker: { host: '127.0.0.1', port: 22122 },
        storage: { host: '127.0.0.1', port: 23000 },
      }),
    ).toEqual([
      { role: 'tracker', host: '127.0.0.1', port: 22122 },
      { role: 'storage', host: '127.0.0.1', port: 23000 },
    ]);
    expect(listenAddresses({ msg: 'listening', host: '127.0.0.1', port: '9010' })).toEqual([]);
  });
});

describe('startupTable', () => {
  it('lines up one row per service, the front as a URL, an IPv6 host in brackets', () => {
    const text = startupTable({
      services: [
        {
          name: 'fdfs-embedded',
          pid: 101,
          listens: [
            { role: 'tracker', host: '127.0.0.1', port: 22122 },
            { role: 'storage', host: '127.0.0.1', port: 23000 },
          ],
        },
        { name: 'admin-proxy', pid: 102, listens: [{ host: '::1', port: 6998 }] },
        { name: 'front#1', pid: 103, listens: [{ host: '127.0.0.1', port: 8081 }], http: true },
        { name: 'cut-svr#1', pid: undefined, listens: [] },
      ],
      readyInMs: 1234,
      confDir: 'conf',
      dataDir: '/var/lib/pic',
      fastdfs: 'embedded',
      stackPid: 100,
    });
    expect(text.split('\n')).toEqual([
      'pic-storage ready in 1.2 s',
      '  conf in conf/, data in /var/lib/pic/, FastDFS: embedded',
      '  service        pid  listens on',
      '  fdfs-embedded  101  127.0.0.1:22122 (tracker), 127.0.0.1:23000 (storage)',
      '  admin-proxy    102  [::1]:6998',
      '  front#1        103  http://127.0.0.1:8081/',
      '  cut-svr#1      -    -',
      'Stop with Ctrl-C, or SIGTERM to pid 100.',
      '',
    ]);
  });
});
