/**
 * FastDFS conf files (fastdfs-conf): parseConfText / readConfFile with the file and line of every
 * value, ConfReader's typed accessors, and unknown keys with a did-you-mean.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-protocol';
import { type ConfEntries, ConfReader, parseConfText, readConfFile } from 'fastdfs-conf';
import { caught } from '../../helpers/golden.js';

/** The values of every key, without their locations. */
function plain(entries: ConfEntries): Array<[string, string[]]> {
  return [...entries].map(([key, values]) => [key, values.map((v) => v.value)]);
}

function configError(fn: () => unknown): ConfigError {
  const err = caught(fn);
  expect(err).toBeInstanceOf(ConfigError);
  expect((err as ConfigError).code).toBe(ErrorCode.INVALID_CONFIG);
  return err as ConfigError;
}

describe('parseConfText', () => {
  it('comments, blank lines, spaces around =, repeated keys, values containing =', () => {
    const text = [
      '# a comment',
      '   # an indented comment',
      '',
      'connect_timeout=5',
      '  network_timeout   =   60  ',
      'tracker_server = 10.0.0.1:22122',
      'tracker_server = 10.0.0.2:22122',
      'http.anti_steal.secret_key = abc=def==',
      'empty =',
      'base_path = /opt/fastdfs # not a comment: FastDFS keeps it',
    ].join('\n');
    expect(plain(parseConfText(text))).toEqual([
      ['connect_timeout', ['5']],
      ['network_timeout', ['60']],
      ['tracker_server', ['10.0.0.1:22122', '10.0.0.2:22122']],
      ['http.anti_steal.secret_key', ['abc=def==']],
      ['empty', ['']],
      ['base_path', ['/opt/fastdfs # not a comment: FastDFS keeps it']],
    ]);
  });

  it('CRLF line endings', () => {
    expect(plain(parseConfText('a = 1\r\nb = 2\r\n'))).toEqual([
      ['a', ['1']],
      ['b', ['2']],
    ]);
  });

  it('sections prefix their keys', () => {
    const entries = parseConfText('log_level = info\n[error-log]\nlog_level = warn\n[ access-log ]\nenabled = false\n');
    expect(plain(entries)).toEqual([
      ['log_level', ['info']],
      ['error-log.log_level', ['warn']],
      ['access-log.enabled', ['false']],
    ]);
  });

  it('#include goes through the callback, nested, keys accumulate in order', () => {
    const files: Record<string, string> = {
      'http.conf':
        'http.default_content_type = application/octet-stream\n#include mime.conf\ntracker_server = 10.0.0.3:22122\n',
      'mime.conf': 'http.mime_types_filename = mime.types\n',
    };
    const asked: string[] = [];
    const entries = parseConfText(
      'tracker_server = 10.0.0.1:22122\n#include http.conf\ntracker_server = 10.0.0.2:22122\n',
      'client.conf',
      (name) => {
        asked.push(name);
        const text = files[name];
        if (text === undefined) throw new ConfigError(`no ${name}`);
        return text;
      },
    );
    expect(asked).toEqual(['http.conf', 'mime.conf']);
    expect(plain(entries)).toEqual([
      ['tracker_server', ['10.0.0.1:22122', '10.0.0.3:22122', '10.0.0.2:22122']],
      ['http.default_content_type', ['application/octet-stream']],
      ['http.mime_types_filename', ['mime.types']],
    ]);
  });

  // Regression (bug at 5cfe357, conf-file.ts 23-33, fixed in 38ff1cd): libfastcommon resets the current
  // section to the global one after an #include (ini_file_reader.c 1056-1060); the parser let the
  // section in force before the #include carry on, so `b` became `group1.b`.
  it('keys after an #include inside a section are global again, as in libfastcommon', () => {
    const entries = parseConfText('[group1]\na = 1\n#include x.conf\nb = 2\n', 'mod_fastdfs.conf', () => 'x = 0\n');
    expect(plain(entries)).toEqual([
      ['group1.a', ['1']],
      ['x', ['0']],
      ['b', ['2']],
    ]);
  });

  it('#include without a callback is refused, naming the line', () => {
    expect(configError(() => parseConfText('a = 1\n#include http.conf\n', 'client.conf')).message).toBe(
      'client.conf:2: #include is not allowed here',
    );
  });

  it('an #include loop stops at the depth limit', () => {
    expect(
      configError(() => parseConfText('#include self.conf', 'self.conf', () => '#include self.conf')).message,
    ).toMatch(/self\.conf:1: #include nested too deep/);
  });

  it('"##include" is a plain comment', () => {
    expect(plain(parseConfText('##include http.conf\na = 1'))).toEqual([['a', ['1']]]);
  });

  it('a bad line is a ConfigError naming the source, line number and text', () => {
    const err = configError(() => parseConfText('a = 1\n\nthis is not a pair\n', 'client.conf'));
    expect(err.message).toBe('client.conf:3: expected "key = value", got "this is not a pair"');
    expect(configError(() => parseConfText('= value')).message).toBe('conf:1: expected "key = value", got "= value"');
  });

  it('a bad line inside an included file names that file', () => {
    expect(
      configError(() => parseConfText('a = 1\n#include http.conf', 'client.conf', () => 'ok = 1\nbroken')).message,
    ).toBe('http.conf:2: expected "key = value", got "broken"');
  });
});

describe('ConfReader', () => {
  const conf = new ConfReader(
    parseConfText(
      [
        'connect_timeout = 5',
        'bad_int = five',
        'big = 99999',
        'neg = -3',
        'float = 1.5',
        'yes = yes',
        'on = ON',
        'one = 1',
        'no = false',
        'off = off',
        'maybe = maybe',
        'buff_size = 256KB',
        'mb = 64MB',
        'g = 1G',
        'plain = 100',
        'k = 8k',
        'lots = lots',
        'huge = 2T',
        'twice = 1',
        'twice = 2',
        'blank =',
      ].join('\n'),
      'storage.conf',
    ),
    'storage.conf',
  );

  it('string / all / values / has: the last value wins', () => {
    expect(conf.string('twice')).toBe('2');
    expect(conf.all('twice')).toEqual(['1', '2']);
    expect(conf.values('twice')).toEqual([
      { value: '1', source: 'storage.conf', line: 19 },
      { value: '2', source: 'storage.conf', line: 20 },
    ]);
    expect(conf.values('missing')).toEqual([]);
    expect(conf.all('missing')).toEqual([]);
    expect(conf.has('twice')).toBe(true);
    expect(conf.has('missing')).toBe(false);
    expect(conf.string('missing')).toBeUndefined();
  });

  it('int', () => {
    expect(conf.int('connect_timeout', 1, 3600)).toBe(5);
    expect(conf.int('neg', -10, 10)).toBe(-3);
    expect(conf.int('missing', 0, 1)).toBeUndefined();
    expect(conf.int('blank', 0, 1)).toBeUndefined();
    expect(configError(() => conf.int('bad_int', 1, 10)).message).toBe(
      'storage.conf:2: bad_int must be an integer, got "five"',
    );
    expect(configError(() => conf.int('float', 1, 10)).message).toBe(
      'storage.conf:5: float must be an integer, got "1.5"',
    );
    expect(configError(() => conf.int('big', 1, 3600)).message).toBe(
      'storage.conf:3: big must be between 1 and 3600, got 99999',
    );
  });

  it('bool', () => {
    expect([conf.bool('yes'), conf.bool('on'), conf.bool('one')]).toEqual([true, true, true]);
    expect([conf.bool('no'), conf.bool('off')]).toEqual([false, false]);
    expect(conf.bool('missing')).toBeUndefined();
    expect(configError(() => conf.bool('maybe')).message).toBe(
      'storage.conf:11: maybe must be true or false, got "maybe"',
    );
  });

  it('size', () => {
    expect(conf.size('buff_size', 0, 2 ** 40)).toBe(262144);
    expect(conf.size('mb', 0, 2 ** 40)).toBe(64 * 1024 * 1024);
    expect(conf.size('g', 0, 2 ** 40)).toBe(2 ** 30);
    expect(conf.size('plain', 0, 2 ** 40)).toBe(100);
    expect(conf.size('k', 0, 2 ** 40)).toBe(8192);
    expect(conf.size('missing', 0, 1)).toBeUndefined();
    expect(configError(() => conf.size('lots', 0, 1)).message).toBe(
      'storage.conf:17: lots must be a size like 256KB or 64MB, got "lots"',
    );
    expect(configError(() => conf.size('huge', 0, 2 ** 40)).message).toBe(
      'storage.conf:18: huge must be between 0 and 1099511627776 bytes, got 2199023255552',
    );
  });
});

describe('where values come from', () => {
  it('every value keeps its file and line, included files under their path from the top file', () => {
    const files: Record<string, string> = {
      'http.conf': '# http\n\nhttp.secret = s\n#include more/mime.conf\n',
      'more/mime.conf': 'http.mime = m\n',
      '/etc/abs.conf': 'abs = 1\n',
    };
    const entries = parseConfText(
      'a = 1\n#include http.conf\n#include /etc/abs.conf\na = 2\n',
      'conf/client.conf',
      (name) => files[name] ?? '',
    );
    expect(entries.get('a')).toEqual([
      { value: '1', source: 'conf/client.conf', line: 1 },
      { value: '2', source: 'conf/client.conf', line: 4 },
    ]);
    // libfastcommon takes #include paths from the top file's folder, nested ones too.
    expect(entries.get('http.secret')).toEqual([{ value: 's', source: 'conf/http.conf', line: 3 }]);
    expect(entries.get('http.mime')).toEqual([{ value: 'm', source: 'conf/more/mime.conf', line: 1 }]);
    expect(entries.get('abs')).toEqual([{ value: '1', source: '/etc/abs.conf', line: 1 }]);
  });

  it('a bad value in an included file names that file and line', () => {
    const conf = new ConfReader(
      parseConfText('port = 1\n#include over.conf\n', 'main.conf', () => '\n\nport = 99999\n'),
      'main.conf',
    );
    expect(configError(() => conf.int('port', 1, 65535)).message).toBe(
      'over.conf:3: port must be between 1 and 65535, got 99999',
    );
  });

  it('an #include that cannot be read names the #include line', () => {
    const err = configError(() =>
      parseConfText('a = 1\n\n#include gone.conf\n', 'client.conf', () => {
        throw new ConfigError('cannot read config file gone.conf: ENOENT');
      }),
    );
    expect(err.message).toBe('client.conf:3: cannot read config file gone.conf: ENOENT');
  });

  it('readConfFile: real files, #include relative to the top file, errors name the paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'conf-file-'));
    try {
      await mkdir(join(dir, 'extra'));
      await writeFile(join(dir, 'main.conf'), 'tracker_port = 22122\n#include extra/ports.conf\n');
      await writeFile(join(dir, 'extra', 'ports.conf'), '# ports\nstorage_port = 70000\n');
      const conf = new ConfReader(readConfFile(join(dir, 'main.conf')));
      expect(conf.int('tracker_port', 0, 65535)).toBe(22122);
      expect(configError(() => conf.int('storage_port', 0, 65535)).message).toBe(
        `${join(dir, 'extra', 'ports.conf')}:2: storage_port must be between 0 and 65535, got 70000`,
      );

      await writeFile(join(dir, 'broken.conf'), 'a = 1\n#include missing.conf\n');
      expect(configError(() => readConfFile(join(dir, 'broken.conf'))).message).toBe(
        `${join(dir, 'broken.conf')}:2: cannot read config file ${join(dir, 'missing.conf')}: ENOENT`,
      );
      expect(configError(() => readConfFile(join(dir, 'none.conf'))).message).toBe(
        `cannot read config file ${join(dir, 'none.conf')}: ENOENT`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('ConfReader.error', () => {
  const conf = new ConfReader(parseConfText('mode = a\n\nmode = b\n', 'app.conf'), 'app.conf');

  it('points at the value that counts (the last), or at a given one', () => {
    expect(conf.error('mode', 'must be x or y, got "b"').message).toBe('app.conf:3: mode must be x or y, got "b"');
    expect(conf.error('mode', 'is odd', conf.values('mode')[0]).message).toBe('app.conf:1: mode is odd');
    expect(conf.error('mode', 'is odd')).toBeInstanceOf(ConfigError);
  });

  it('a key with no value is named with the conf alone', () => {
    expect(conf.error('other', 'is required').message).toBe('app.conf: other is required');
  });
});

describe('ConfReader.checkKeys', () => {
  const KNOWN = ['tracker_port', 'storage_port', 'group_name', 'buff_size', 'network_timeout', 'log_level'];
  const check = (text: string): void => new ConfReader(parseConfText(text, 'conf/x.conf')).checkKeys(KNOWN);

  it('known keys pass, repeated or empty ones too', () => {
    expect(() => check('tracker_port = 1\ntracker_port = 2\nlog_level =\n')).not.toThrow();
    expect(() => check('')).not.toThrow();
  });

  it('an unknown key names file, line and key, with the nearest known key', () => {
    expect(configError(() => check('group_name = g\n\ntracker_prot = 22122\n')).message).toBe(
      'conf/x.conf:3: unknown key "tracker_prot" (did you mean tracker_port?)',
    );
    expect(configError(() => check('buf_size = 1')).message).toBe(
      'conf/x.conf:1: unknown key "buf_size" (did you mean buff_size?)',
    );
    expect(configError(() => check('network_timeuot = 5')).message).toBe(
      'conf/x.conf:1: unknown key "network_timeuot" (did you mean network_timeout?)',
    );
  });

  it('a word that is part of known keys suggests them', () => {
    expect(configError(() => check('port = 1')).message).toBe(
      'conf/x.conf:1: unknown key "port" (did you mean tracker_port or storage_port?)',
    );
  });

  it('nothing near: no suggestion', () => {
    expect(configError(() => check('work_threads = 4')).message).toBe('conf/x.conf:1: unknown key "work_threads"');
    expect(configError(() => check('x = 4')).message).toBe('conf/x.conf:1: unknown key "x"');
  });

  it('the first unknown key in file order is reported, at its first line, even in an included file', () => {
    const conf = new ConfReader(
      parseConfText('log_level = info\n#include more.conf\nzzz = 1\n', 'main.conf', () => 'yyy = 1\nyyy = 2\n'),
    );
    expect(configError(() => conf.checkKeys(KNOWN)).message).toBe('more.conf:1: unknown key "yyy"');
  });

  it('section keys are checked with their section', () => {
    expect(configError(() => check('[http]\nlog_level = x\n')).message).toBe(
      'conf/x.conf:2: unknown key "http.log_level" (did you mean log_level?)',
    );
  });
});
