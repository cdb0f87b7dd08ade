/**
 * client.conf → client options (clientOptionsFromConf), and resolving the options it gives.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-client-ts/errors';
import { parseConfText } from 'fastdfs-conf';
import { DEFAULTS, clientOptionsFromConf, resolveClientOptions as resolveOptions } from 'fastdfs-client-ts';
import { caught } from '../../helpers/golden.js';

function configError(fn: () => unknown): ConfigError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe(ErrorCode.INVALID_CONFIG);
  return err as ConfigError;
}

// Same keys as FastDFS conf/client.conf (V6.16.1), written afresh.
const CLIENT_CONF = `# client configuration for the picture service
# seconds
connect_timeout = 3
network_timeout = 45

# where log files go
base_path = /var/lib/fdfs-client

# one line per tracker
tracker_server = 10.20.0.11:22122
tracker_server = 10.20.0.12:22122
tracker_server = [fd00::13]:22122

#standard log level as syslog, case insensitive
log_level = warn
connect_first_by = tracker
use_connection_pool = true
connection_pool_max_idle_time = 600
load_fdfs_parameters_from_tracker = false
use_storage_id = false
storage_ids_filename = storage_ids.conf

#HTTP settings
http.tracker_server_port = 80
##include http.conf
`;

describe('clientOptionsFromConf', () => {
  it('a realistic client.conf: trackers, timeouts in ms, pool idle time in ms', () => {
    expect(clientOptionsFromConf(parseConfText(CLIENT_CONF, 'client.conf'))).toEqual({
      trackers: ['10.20.0.11:22122', '10.20.0.12:22122', '[fd00::13]:22122'],
      connectTimeout: 3000,
      networkTimeout: 45000,
      pool: { idleTimeout: 600_000 },
    });
  });

  it('the options resolve', () => {
    const resolved = resolveOptions(clientOptionsFromConf(parseConfText(CLIENT_CONF)));
    expect(resolved.trackers).toEqual([
      { host: '10.20.0.11', port: 22122 },
      { host: '10.20.0.12', port: 22122 },
      { host: 'fd00::13', port: 22122 },
    ]);
    expect(resolved.pool.idleTimeout).toBe(600_000);
    expect(resolved.pool.maxSize).toBe(DEFAULTS.pool.maxSize);
  });

  it('only tracker_server is required', () => {
    expect(clientOptionsFromConf(parseConfText('tracker_server = h:1'))).toEqual({ trackers: ['h:1'] });
  });

  it('no tracker_server → ConfigError', () => {
    expect(configError(() => clientOptionsFromConf(parseConfText('connect_timeout = 5'), 'client.conf')).message).toBe(
      'client.conf: no tracker_server line',
    );
    expect(configError(() => clientOptionsFromConf(parseConfText('tracker_server =')))).toBeInstanceOf(ConfigError);
  });

  it('a bad timeout names the key', () => {
    expect(
      configError(() =>
        clientOptionsFromConf(parseConfText('tracker_server = h:1\nnetwork_timeout = 0'), 'client.conf'),
      ).message,
    ).toBe('client.conf: network_timeout must be between 1 and 3600, got 0');
    expect(
      configError(() => clientOptionsFromConf(parseConfText('tracker_server = h:1\nconnect_timeout = 5s'))).message,
    ).toContain('connect_timeout must be an integer');
  });
});
