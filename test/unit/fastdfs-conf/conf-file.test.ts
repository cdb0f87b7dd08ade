/**
 * FastDFS conf files (fastdfs-conf): parseConfText and ConfReader.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from 'fastdfs-protocol';
import { ConfReader, parseConfText } from 'fastdfs-conf';
import { caught } from '../../helpers/golden.js';

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
    const entries = parseConfText(text);
    expect([...entries.entries()]).toEqual([
      ['connect_timeout', ['5']],
      ['network_timeout', ['60']],
      ['tracker_server', ['10.0.0.1:22122', '10.0.0.2:22122']],
      ['http.anti_steal.secret_key', ['abc=def==']],
      ['empty', ['']],
      ['base_path', ['/opt/fastdfs # not a comment: FastDFS keeps it']],
    ]);
  });

  it('CRLF line endings', () => {
    expect([...parseConfText('a = 1\r\nb = 2\r\n').entries()]).toEqual([
      ['a', ['1']],
      ['b', ['2']],
    ]);
  });

  it('sections prefix their keys', () => {
    const entries = parseConfText('log_level = info\n[error-log]\nlog_level = warn\n[ access-log ]\nenabled = false\n');
    expect(entries.get('log_level')).toEqual(['info']);
    expect(entries.get('error-log.log_level')).toEqual(['warn']);
    expect(entries.get('access-log.enabled')).toEqual(['false']);
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
    expect(entries.get('tracker_server')).toEqual(['10.0.0.1:22122', '10.0.0.3:22122', '10.0.0.2:22122']);
    expect(entries.get('http.default_content_type')).toEqual(['application/octet-stream']);
    expect(entries.get('http.mime_types_filename')).toEqual(['mime.types']);
  });

  // Regression (bug at 5cfe357, conf-file.ts 23-33, fixed in 38ff1cd): libfastcommon resets the current
  // section to the global one after an #include (ini_file_reader.c 1056-1060); the parser let the
  // section in force before the #include carry on, so `b` became `group1.b`.
  it('keys after an #include inside a section are global again, as in libfastcommon', () => {
    const entries = parseConfText('[group1]\na = 1\n#include x.conf\nb = 2\n', 'mod_fastdfs.conf', () => 'x = 0\n');
    expect(entries.get('group1.a')).toEqual(['1']);
    expect(entries.get('x')).toEqual(['0']);
    expect(entries.get('b')).toEqual(['2']);
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
    expect(parseConfText('##include http.conf\na = 1').get('a')).toEqual(['1']);
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
    ),
    'storage.conf',
  );

  it('string / all / has: the last value wins', () => {
    expect(conf.string('twice')).toBe('2');
    expect(conf.all('twice')).toEqual(['1', '2']);
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
      'storage.conf: bad_int must be an integer, got "five"',
    );
    expect(configError(() => conf.int('float', 1, 10)).message).toContain('float must be an integer');
    expect(configError(() => conf.int('big', 1, 3600)).message).toBe(
      'storage.conf: big must be between 1 and 3600, got 99999',
    );
  });

  it('bool', () => {
    expect([conf.bool('yes'), conf.bool('on'), conf.bool('one')]).toEqual([true, true, true]);
    expect([conf.bool('no'), conf.bool('off')]).toEqual([false, false]);
    expect(conf.bool('missing')).toBeUndefined();
    expect(configError(() => conf.bool('maybe')).message).toBe(
      'storage.conf: maybe must be true or false, got "maybe"',
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
      'storage.conf: lots must be a size like 256KB or 64MB, got "lots"',
    );
    expect(configError(() => conf.size('huge', 0, 2 ** 40)).message).toContain(
      'huge must be between 0 and 1099511627776 bytes',
    );
  });
});
