import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  EMBEDDED_DEFAULTS,
  embeddedOptionsFromConf,
  resolveEmbeddedOptions as resolveOptions,
} from '@pic-storage/fdfs-embedded';
import { parseConfText } from 'fastdfs-conf';

const confFile = fileURLToPath(new URL('../../../conf/fdfs-embedded.conf', import.meta.url));

describe('options', () => {
  it('applies EMBEDDED_DEFAULTS and freezes', () => {
    const o = resolveOptions({ basePath: '/tmp/x', logger: false });
    const { logger: _logger, basePath, ...rest } = o;
    expect(basePath).toBe('/tmp/x');
    expect(rest).toEqual(EMBEDDED_DEFAULTS);
    expect(Object.isFrozen(o)).toBe(true);
    expect(EMBEDDED_DEFAULTS).toMatchObject({
      trackerPort: 22122,
      storagePort: 23000,
      groupName: 'group1',
      maxUploadSize: 1024 * 1024 * 1024,
      ipAddrSize: 16,
    });
  });

  it('names the bad key', () => {
    expect(() => resolveOptions({ basePath: '' })).toThrow(/basePath/);
    expect(() => resolveOptions({ basePath: '/x', groupName: 'group/1' })).toThrow(/groupName/);
    expect(() => resolveOptions({ basePath: '/x', sourceIp: '::1' })).toThrow(/sourceIp/);
    expect(() => resolveOptions({ basePath: '/x', storagePort: 70000 })).toThrow(/storagePort/);
    expect(() => resolveOptions({ basePath: '/x', subdirCountPerPath: 257 })).toThrow(/subdirCountPerPath/);
    expect(() => resolveOptions({ basePath: '/x', ipAddrSize: 32 as 16 })).toThrow(/ipAddrSize/);
  });

  it('reads FastDFS-style keys, seconds and sizes', () => {
    const opts = embeddedOptionsFromConf(
      parseConfText(
        [
          'base_path = /data/fdfs',
          'group_name = g2',
          'tracker_port = 0',
          'storage_port = 0',
          'storage_ip = 10.0.0.7',
          'max_upload_file_size = 2MB',
          'buff_size = 64KB',
          'network_timeout = 5',
          'idle_timeout = 60',
          'response_ip_addr_size = IPv6',
        ].join('\n'),
      ),
    );
    expect(opts).toEqual({
      basePath: '/data/fdfs',
      groupName: 'g2',
      trackerPort: 0,
      storagePort: 0,
      sourceIp: '10.0.0.7',
      maxUploadSize: 2 * 1024 * 1024,
      maxMetadataBody: 64 * 1024,
      networkTimeoutMs: 5000,
      idleTimeoutMs: 60_000,
      ipAddrSize: 46,
    });
    expect(() => embeddedOptionsFromConf(parseConfText('response_ip_addr_size = 32'))).toThrow(/response_ip_addr_size/);
    expect(() => embeddedOptionsFromConf(parseConfText('tracker_port = abc'))).toThrow(/tracker_port/);
  });

  it('the shipped conf/fdfs-embedded.conf states exactly the defaults', () => {
    const { basePath, ...fromConf } = embeddedOptionsFromConf(confFile);
    expect(basePath).toBeUndefined();
    const { logger: _l, basePath: _b, ...resolved } = resolveOptions({ basePath: '/x', ...fromConf, logger: false });
    expect(resolved).toEqual(EMBEDDED_DEFAULTS);
  });
});
