/**
 * The session-key CLI (docs/session-key.md): main() run in-process with captured output and a fixed clock,
 * and once through the built bin as npx runs it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../../libs/session-key/src/cli/main.js';

const VECTOR_KEY = '6e037fcd6c7014bc2161ca524ecc997289ff0fda9b3e1885';
const BIN = new URL('../../../libs/session-key/bin/session-key.mjs', import.meta.url);
const BUILT = new URL('../../../libs/session-key/dist/cli/main.js', import.meta.url);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, now = 4660 + 100): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    now: () => now,
  });
  return { code, stdout, stderr };
}

const VECTOR_ISSUE = ['--uid', '12345', '--channel', '7', '--albumid', '3', '--ip', '10.1.1.197'];
const VECTOR_LIMITS = ['--time', '4660', '--width', '800', '--height', '600'];

describe('session-key issue', () => {
  it('prints the published test vector alone on stdout', async () => {
    const r = await run(['issue', '--key', 'pic$KEY1', ...VECTOR_ISSUE, ...VECTOR_LIMITS]);
    expect(r).toEqual({ code: 0, stdout: `${VECTOR_KEY}\n`, stderr: '' });
  });

  it('--key defaults to PIC_SESSION_DES_KEY; --time takes a full Unix time (its low 16 bits are kept)', async () => {
    const unix = 65536 * 25_000 + 4660;
    const r = await run(['issue', ...VECTOR_ISSUE, '--time', String(unix), '--width', '800', '--height', '600'], {
      PIC_SESSION_DES_KEY: 'pic$KEY1',
    });
    expect(r.stdout).toBe(`${VECTOR_KEY}\n`);
  });

  it('issue then decode: the fields, time defaulting to now, age and valid', async () => {
    const issued = await run(['issue', '--key', 'ABCDEFGH', '--uid', '9', '--head'], {}, 70_000);
    expect(issued.code).toBe(0);
    const decoded = await run(['decode', '--key', 'ABCDEFGH', issued.stdout.trim()], {}, 70_010);
    expect(decoded.code).toBe(0);
    expect(JSON.parse(decoded.stdout)).toEqual({
      uid: 9,
      channel: 0,
      albumid: 0,
      ip: '0.0.0.0',
      time: 70_000 % 65536,
      widthLimit: 0,
      heightLimit: 0,
      isHead: 1,
      age: 10,
      valid: true,
    });
  });

  it('bad usage exits 2 with the message and the usage line on stderr, nothing on stdout', async () => {
    const cases: [string[], RegExp][] = [
      [['issue', '--key', 'pic$KEY1'], /--uid is required/],
      [['issue', '--uid', '1'], /no DES key: give --key or set PIC_SESSION_DES_KEY/],
      [['issue', '--key', 'pic$KEY1', '--uid', '65536'], /--uid must be an integer from 0 to 65535, got "65536"/],
      [['issue', '--key', 'pic$KEY1', '--uid', '-1'], /--uid/],
      [['issue', '--key', 'pic$KEY1', '--uid', '1', '--uid', '2'], /--uid is given twice/],
      [['issue', '--key', 'pic$KEY1', '--uid', '1', '--ip', '1.2.3'], /--ip must be an IPv4 address/],
      [['issue', '--key', 'pic$KEY1', '--uid', '1', '--bogus'], /Unknown option '--bogus'/],
      [['issue', '--key', 'pic$KEY1', '--uid', '1', 'extra'], /unexpected argument "extra"/],
      [['decode', '--key', 'pic$KEY1'], /the session key \(hex\) is missing/],
      [['decode', '--key', 'pic$KEY1', '--uid', '3', VECTOR_KEY], /Unknown option '--uid'/],
      [['decode', '--key', 'pic$KEY1', '--window', '65500', VECTOR_KEY], /--window \+ --skew must be under 65536/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/\nusage: session-key/);
    }
    expect((await run([])).code).toBe(2);
  });

  it('a bad DES key or key text exits 1 with one line', async () => {
    for (const argv of [
      ['issue', '--key', 'short', '--uid', '1'],
      ['decode', '--key', 'pic$KEY1', 'nothex'],
      ['decode', '--key', 'pic$KEY2', VECTOR_KEY],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^session-key: [^\n]+\n$/);
    }
  });

  it('decode: an expired key is printed with valid false (exit 0); --window and --skew change the verdict', async () => {
    const old = await run(['decode', '--key', 'pic$KEY1', VECTOR_KEY], {}, 4660 + 4000);
    expect(old.code).toBe(0);
    expect(JSON.parse(old.stdout)).toMatchObject({ uid: 12345, age: 4000, valid: false });
    const wide = await run(['decode', '--key', 'pic$KEY1', '--window', '5000', VECTOR_KEY], {}, 4660 + 4000);
    expect(JSON.parse(wide.stdout)).toMatchObject({ age: 4000, valid: true });
    const future = await run(['decode', '--key', 'pic$KEY1', '--skew', '0', VECTOR_KEY], {}, 4660 - 1);
    expect(JSON.parse(future.stdout)).toMatchObject({ valid: false });
  });

  it('--help on stdout (exit 0), per command too; --version', async () => {
    for (const argv of [['--help'], ['-h'], ['issue', '--help'], ['decode', '--help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: session-key/);
      expect(r.stderr).toBe('');
    }
    expect((await run(['--version'])).stdout).toMatch(/^session-key \d+\.\d+\.\d+\n$/);
  });
});

describe.skipIf(!existsSync(BUILT))('the built bin', () => {
  it('issue and decode through node bin/session-key.mjs', async () => {
    const exec = promisify(execFile);
    const env = { ...process.env, PIC_SESSION_DES_KEY: 'pic$KEY1' };
    const issued = await exec(process.execPath, [BIN.pathname, 'issue', ...VECTOR_ISSUE, ...VECTOR_LIMITS], { env });
    expect(issued.stdout).toBe(`${VECTOR_KEY}\n`);
    const decoded = await exec(process.execPath, [BIN.pathname, 'decode', VECTOR_KEY], { env });
    expect(JSON.parse(decoded.stdout)).toMatchObject({ uid: 12345, ip: '10.1.1.197', widthLimit: 800 });
    const failed = await exec(process.execPath, [BIN.pathname, 'decode', 'zz'], { env }).catch((err) => err);
    expect(failed.code).toBe(1);
  });
});
