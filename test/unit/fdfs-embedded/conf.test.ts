/**
 * fdfs-embedded.conf → options (embeddedOptionsFromConf): the known keys are EMBEDDED_CONF_KEYS,
 * every bad value or unknown key is a ConfigError naming the file, line and conf key, and every
 * value the conf layer accepts also passes resolveEmbeddedOptions.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-protocol';
import { parseConfText } from 'fastdfs-conf';
import {
  EMBEDDED_DEFAULTS,
  embeddedOptionsFromConf,
  resolveEmbeddedOptions as resolveOptions,
} from '@pic-storage/fdfs-embedded';
import { EMBEDDED_CONF_KEYS } from '../../../libs/fdfs-embedded/src/conf.js';
import { caught } from '../../helpers/golden.js';

function configError(fn: () => unknown): ConfigError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe(ErrorCode.INVALID_CONFIG);
  return err as ConfigError;
}

const fromText = (text: string): ReturnType<typeof embeddedOptionsFromConf> =>
  embeddedOptionsFromConf(parseConfText(text, 'conf/fdfs-embedded.conf'));
const messageOf = (text: string): string => configError(() => fromText(text)).message;

describe('EMBEDDED_CONF_KEYS', () => {
  it('every option except the logger has a conf key', () => {
    const options = new Set(EMBEDDED_CONF_KEYS.map((k) => k.option));
    for (const option of ['basePath', ...Object.keys(EMBEDDED_DEFAULTS)]) expect(options).toContain(option);
  });

  it('conf keys are unique', () => {
    const keys = EMBEDDED_CONF_KEYS.map((k) => k.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  // The conf layer checks each range itself, so a conf user never meets an option name: its ends
  // must resolve, one past them must fail at the conf layer with the conf key and line.
  for (const { key, option, range } of EMBEDDED_CONF_KEYS) {
    if (range === undefined) continue;
    it(`${key}: ${range.min}..${range.max} resolve, one past either end names the key and line`, () => {
      for (const n of [range.min, range.max]) {
        const opts = fromText(`# ${key}\n${key} = ${n}\n`);
        expect(opts[option]).toBeDefined();
        expect(() => resolveOptions({ basePath: '/x', ...opts, logger: false })).not.toThrow();
      }
      for (const n of [range.min - 1, range.max + 1]) {
        expect(messageOf(`# ${key}\n${key} = ${n}\n`)).toMatch(
          new RegExp(`^conf/fdfs-embedded\\.conf:2: ${key} must be (between|a size)`),
        );
      }
    });
  }
});

describe('embeddedOptionsFromConf', () => {
  it('a range error reads file:line: key must be between …, got …', () => {
    expect(messageOf('group_name = group1\n\ntracker_port = 70000\n')).toBe(
      'conf/fdfs-embedded.conf:3: tracker_port must be between 0 and 65535, got 70000',
    );
    expect(messageOf('network_timeout = 0')).toBe(
      'conf/fdfs-embedded.conf:1: network_timeout must be between 1 and 2000000, got 0',
    );
    expect(messageOf('buff_size = 32')).toBe(
      'conf/fdfs-embedded.conf:1: buff_size must be between 64 and 67108864 bytes, got 32',
    );
  });

  it('an unknown key reads file:line: unknown key "…" (did you mean …?)', () => {
    expect(messageOf('group_name = group1\n# the tracker\n\n\n\n\ntracker_prot = 22122\n')).toBe(
      'conf/fdfs-embedded.conf:7: unknown key "tracker_prot" (did you mean tracker_port?)',
    );
    expect(messageOf('store_path1 = /data')).toBe(
      'conf/fdfs-embedded.conf:1: unknown key "store_path1" (did you mean store_path0?)',
    );
    expect(messageOf('port = 23000')).toBe(
      'conf/fdfs-embedded.conf:1: unknown key "port" (did you mean tracker_port or storage_port?)',
    );
  });

  it('an unknown key is reported before a bad value', () => {
    expect(messageOf('tracker_port = 70000\nidle_timout = 5\n')).toBe(
      'conf/fdfs-embedded.conf:2: unknown key "idle_timout" (did you mean idle_timeout?)',
    );
  });

  it('storage.conf / tracker.conf keys the embedded server has no use for are errors', () => {
    for (const key of ['work_threads', 'store_lookup', 'use_trunk_file', 'sync_interval', 'log_level']) {
      expect(messageOf(`${key} = 1`)).toMatch(new RegExp(`^conf/fdfs-embedded\\.conf:1: unknown key "${key}"`));
    }
  });

  it('string values are checked with the conf key, not the option name', () => {
    expect(messageOf('group_name = group/1')).toBe(
      'conf/fdfs-embedded.conf:1: group_name must be 1-16 letters or digits, got "group/1"',
    );
    expect(messageOf('storage_ip = ::1')).toBe(
      'conf/fdfs-embedded.conf:1: storage_ip must be an IPv4 address, got "::1"',
    );
    expect(messageOf('storage_ip = 10.0.0.256')).toMatch(/storage_ip must be an IPv4 address/);
    expect(messageOf('bind_addr = not a host')).toBe(
      'conf/fdfs-embedded.conf:1: bind_addr must be an IP address or host name, got "not a host"',
    );
    expect(messageOf('response_ip_addr_size = 32')).toBe(
      'conf/fdfs-embedded.conf:1: response_ip_addr_size must be auto, IPv4, IPv6, 16 or 46, got "32"',
    );
    expect(fromText('bind_addr = ::\nstorage_ip = 10.0.0.9\n')).toEqual({ bindHost: '::', sourceIp: '10.0.0.9' });
    expect(fromText('bind_addr = fdfs-1.internal')).toEqual({ bindHost: 'fdfs-1.internal' });
  });

  it('a key given twice: the last value counts and is the one named', () => {
    expect(fromText('tracker_port = 70000\ntracker_port = 1\n')).toEqual({ trackerPort: 1 });
    expect(messageOf('tracker_port = 1\ntracker_port = 70000\n')).toMatch(/^conf\/fdfs-embedded\.conf:2: tracker_port/);
  });

  it('store_path0 wins over base_path wherever it is written; empty values are absent', () => {
    expect(fromText('store_path0 = /a\nbase_path = /b\n')).toEqual({ basePath: '/a' });
    expect(fromText('base_path = /b\nstore_path0 =\n')).toEqual({ basePath: '/b' });
    expect(fromText('tracker_port =\ngroup_name =\n')).toEqual({});
  });

  it("from a file: errors name its path, and an #include'd file by its path", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'embedded-conf-'));
    try {
      const path = join(dir, 'fdfs-embedded.conf');
      await writeFile(path, 'group_name = g1\n#include ports.conf\n');
      await writeFile(join(dir, 'ports.conf'), 'tracker_port = 0\nstorage_port = 65536\n');
      expect(configError(() => embeddedOptionsFromConf(path)).message).toBe(
        `${join(dir, 'ports.conf')}:2: storage_port must be between 0 and 65535, got 65536`,
      );
      await writeFile(join(dir, 'ports.conf'), 'tracker_port = 0\nstorage_port = 0\n');
      expect(embeddedOptionsFromConf(path)).toEqual({ groupName: 'g1', trackerPort: 0, storagePort: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
