/**
 * client.conf → client options (clientOptionsFromConf, readClientConf), and resolving the options it
 * gives. Errors name the file, line and conf key; FastDFS-only keys are accepted, unknown ones are not.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-client-ts/errors';
import { type ConfEntries, parseConfText } from 'fastdfs-conf';
import {
  DEFAULTS,
  clientOptionsFromConf,
  readClientConf,
  resolveClientOptions as resolveOptions,
} from 'fastdfs-client-ts';
import { caught } from '../../helpers/golden.js';

function configError(fn: () => unknown): ConfigError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe(ErrorCode.INVALID_CONFIG);
  return err as ConfigError;
}

const REPO_CLIENT_CONF = fileURLToPath(new URL('../../../conf/client.conf', import.meta.url));

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
  });

  it('a bad tracker_server names its line', () => {
    const conf = (text: string): ConfEntries => parseConfText(text, 'client.conf');
    expect(configError(() => clientOptionsFromConf(conf('tracker_server = h:1\ntracker_server = h'))).message).toBe(
      'client.conf:2: tracker_server must be host:port with a port of 1-65535, got "h"',
    );
    expect(configError(() => clientOptionsFromConf(conf('\ntracker_server = h:0'))).message).toBe(
      'client.conf:2: tracker_server must be host:port with a port of 1-65535, got "h:0"',
    );
    expect(configError(() => clientOptionsFromConf(conf('tracker_server ='))).message).toBe(
      'client.conf:1: tracker_server must be host:port with a port of 1-65535, got ""',
    );
  });

  it('a bad timeout names the file, line and key', () => {
    expect(
      configError(() =>
        clientOptionsFromConf(parseConfText('tracker_server = h:1\nnetwork_timeout = 0', 'client.conf')),
      ).message,
    ).toBe('client.conf:2: network_timeout must be between 1 and 3600, got 0');
    expect(
      configError(() => clientOptionsFromConf(parseConfText('tracker_server = h:1\nconnect_timeout = 5s', 'c.conf')))
        .message,
    ).toBe('c.conf:2: connect_timeout must be an integer, got "5s"');
    expect(
      configError(() =>
        clientOptionsFromConf(parseConfText('tracker_server = h:1\nconnection_pool_max_idle_time = 86401', 'c.conf')),
      ).message,
    ).toBe('c.conf:2: connection_pool_max_idle_time must be between 1 and 86400, got 86401');
  });

  it('a key neither this client nor FastDFS knows is an error naming file, line and key', () => {
    expect(
      configError(() => clientOptionsFromConf(parseConfText('connect_timeout = 5\ntracker_sever = h:1', 'client.conf')))
        .message,
    ).toBe('client.conf:2: unknown key "tracker_sever" (did you mean tracker_server?)');
    expect(
      configError(() =>
        clientOptionsFromConf(parseConfText('tracker_server = h:1\nmax_connections = 9', 'client.conf')),
      ).message,
    ).toBe('client.conf:2: unknown key "max_connections"');
  });

  it("keys of FastDFS's http.conf, pulled in by #include, are accepted and ignored", () => {
    // Same keys as FastDFS conf/http.conf (V6.16.1), written afresh.
    const httpConf = [
      'http.default_content_type = application/octet-stream',
      'http.mime_types_filename = mime.types',
      'http.anti_steal.check_token = false',
      'http.anti_steal.token_ttl = 900',
      'http.anti_steal.secret_key = FastDFS1234567890',
      'http.anti_steal.token_check_fail = /home/yuqing/fastdfs/conf/anti-steal.jpg',
      'http.multi_range.enabled = true',
    ].join('\n');
    const entries = parseConfText(`${CLIENT_CONF}#include http.conf\n`, 'client.conf', () => httpConf);
    expect(clientOptionsFromConf(entries).trackers).toHaveLength(3);
    const typo = parseConfText(
      'tracker_server = h:1\n#include http.conf\n',
      'client.conf',
      () => '\nhttp.multi_range.enable = 1',
    );
    expect(configError(() => clientOptionsFromConf(typo)).message).toBe(
      'http.conf:2: unknown key "http.multi_range.enable" (did you mean http.multi_range.enabled?)',
    );
  });
});

describe('readClientConf', () => {
  it("the repository's conf/client.conf: the embedded tracker", () => {
    expect(readClientConf(REPO_CLIENT_CONF)).toEqual({
      trackers: ['127.0.0.1:22122'],
      connectTimeout: 5000,
      networkTimeout: 30_000,
      pool: { idleTimeout: 3_600_000 },
    });
  });

  it('an error in a file names its path and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'client-conf-'));
    try {
      const path = join(dir, 'client.conf');
      await writeFile(path, '# mine\ntracker_server = 10.0.0.1:22122\nnetwork_timeout = 7200\n');
      expect(configError(() => readClientConf(path)).message).toBe(
        `${path}:3: network_timeout must be between 1 and 3600, got 7200`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
