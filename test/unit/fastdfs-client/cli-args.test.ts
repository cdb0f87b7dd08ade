import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../libs/fastdfs-client-ts/src/cli/args.js';
import { main } from '../../../libs/fastdfs-client-ts/src/cli/main.js';

/** Runs the CLI in-process; these command lines never reach the network. */
async function fdfs(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const text = { stdout: '', stderr: '' };
  const sink = (name: 'stdout' | 'stderr') =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        text[name] += chunk.toString('utf8');
        callback();
      },
    });
  const code = await main(args, { stdout: sink('stdout'), stderr: sink('stderr'), env: {}, cwd: tmpdir() });
  return { code, ...text };
}

const ID = 'group1/M00/00/00/fwAAAWsBU6WAETeuAAAwOcDhnzA254.bin';

describe('fdfs command line', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(
      readFileSync(new URL('../../../libs/fastdfs-client-ts/package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(await fdfs('--version')).toEqual({ code: 0, stdout: `fdfs ${pkg.version}\n`, stderr: '' });
  });

  it('help goes to stdout with status 0; no command at all is a usage error on stderr', async () => {
    const general = await fdfs('--help');
    expect(general.code).toBe(0);
    expect(general.stdout).toMatch(/^usage: fdfs /);
    for (const name of ['upload', 'append', 'download', 'delete', 'info', 'meta get', 'meta set', 'groups']) {
      expect(general.stdout).toContain(`\n  ${name} `);
    }
    expect((await fdfs('help')).stdout).toBe(general.stdout);

    const none = await fdfs();
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toBe(general.stdout);
  });

  it('fdfs help <command> and <command> --help print that command’s help', async () => {
    const help = await fdfs('help', 'upload');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: fdfs \[options\] upload <file> \[--group G\] \[--ext EXT\] \[--appender\]\n/);
    expect(help.stdout).toContain('fdfs_upload_appender');
    expect(await fdfs('upload', '--help')).toEqual(help);
    expect(await fdfs('-h', 'upload')).toEqual(help);

    const meta = await fdfs('help', 'meta');
    expect(meta.stdout).toContain('usage: fdfs [options] meta get <file id>');
    expect(meta.stdout).toContain('usage: fdfs [options] meta set <file id> <name=value>... [--merge]');
    expect(await fdfs('meta', '--help')).toEqual(meta);
    expect((await fdfs('help', 'meta', 'set')).stdout).not.toContain('meta get');
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"', 'usage: fdfs [options] <command>'],
    [['help', 'frobnicate'], 'unknown command "frobnicate"', 'usage: fdfs [options] <command>'],
    [['--bogus', 'groups'], 'unknown option --bogus', 'usage: fdfs [options] groups'],
    [['groups', '-x'], 'unknown option -x', 'usage: fdfs [options] groups'],
    [['upload'], 'missing <file>', 'usage: fdfs [options] upload <file>'],
    [['upload', 'a', 'b'], 'unexpected argument "b"', 'usage: fdfs [options] upload'],
    [['append', ID], 'missing <file>', 'usage: fdfs [options] append <file id> <file>'],
    [['groups', 'group1'], 'unexpected argument "group1"', 'usage: fdfs [options] groups'],
    [['storages', 'group1', 'group2'], 'unexpected argument "group2"', 'usage: fdfs [options] storages'],
    [['download', ID, 'out', 'more'], 'unexpected argument "more"', 'usage: fdfs [options] download'],
    [['upload', 'f', '--merge'], '--merge does not apply to upload', 'usage: fdfs [options] upload'],
    [['delete', ID, '--group', 'g1'], '--group does not apply to delete', 'usage: fdfs [options] delete'],
    [['meta', 'get', ID, '--merge'], '--merge does not apply to meta get', 'usage: fdfs [options] meta get'],
    [['upload', 'f', '--group'], '--group needs a value', 'usage: fdfs [options] upload'],
    [['upload', 'f', '--group', '--ext', 'x'], '--group needs a value', 'usage: fdfs [options] upload'],
    [['upload', 'f', '--group', 'a', '--group', 'b'], '--group is given twice', 'usage: fdfs [options] upload'],
    [['upload', 'f', '--json=yes'], '--json takes no value', 'usage: fdfs [options] upload'],
    [['meta', 'set', ID], 'missing <name=value>', 'usage: fdfs [options] meta set'],
    [['meta', 'set', ID, 'novalue'], '"novalue" is not name=value', 'usage: fdfs [options] meta set'],
    [['meta', 'set', ID, 'a=1', 'a=2'], '"a" is given twice', 'usage: fdfs [options] meta set'],
    [['meta', 'set', ID, 'constructor=1', 'constructor=2'], '"constructor" is given twice', 'meta set'],
    [['meta'], 'meta needs get or set', 'usage: fdfs [options] meta get'],
    [['meta', 'put', ID], 'meta has no command "put": use get or set', 'usage: fdfs [options] meta set'],
    [['upload', 'f', '--ext', '.jpg'], '--ext takes the extension without its dot: --ext jpg', 'upload'],
    [['upload', 'f', '--ext', 'toolong'], '--ext "toolong" must be at most 6 of', 'upload'],
    [['upload', 'f', '--group', 'no/such'], '--group "no/such" must be 1-16 letters or digits', 'upload'],
    [['--tracker', 'x:99999', 'groups'], '--tracker "x:99999": port must be 1-65535', 'groups'],
    [['--tracker', 'a:b:c', 'groups'], '--tracker "a:b:c" must be host:port', 'groups'],
    [['download', ID, '-', '--json'], '--json cannot be combined with "-"', 'download'],
  ])('fdfs %j: exit 2, "%s", then the usage', async (args, message, usage) => {
    const res = await fdfs(...args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    const [first, ...rest] = res.stderr.trimEnd().split('\n');
    expect(first).toContain(`fdfs: ${message}`);
    expect(rest.length).toBeGreaterThan(0);
    expect(rest.join('\n')).toContain(usage);
  });

  it('nothing is deleted when one id of several is malformed', async () => {
    const res = await fdfs('--tracker', '127.0.0.1:1', 'delete', ID, '../../etc/passwd');
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/^fdfs: invalid file id "..\/..\/etc\/passwd".*\[FDFS_ERR_INVALID_FILE_ID\]\n$/);
  });

  it('-- ends the options, so a file may be named like one', () => {
    const line = parseCommandLine(['upload', '--group', 'g1', '--', '--json']);
    expect(line).toMatchObject({ kind: 'run', args: ['--json'], flags: { group: 'g1' }, global: { json: false } });
  });

  it('options may come before or after the command; --tracker repeats', () => {
    const line = parseCommandLine(['--tracker', 'a:1', 'storages', '--json', 'g1', '--tracker=b:2']);
    expect(line).toMatchObject({
      kind: 'run',
      args: ['g1'],
      global: { tracker: ['a:1', 'b:2'], json: true },
    });
  });
});
