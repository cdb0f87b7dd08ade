/** The delete-log line format: what a 3002 pic_info becomes, and what readers accept back. */
import { describe, expect, it } from 'vitest';
import { ResultCode, ResultError } from '@pic-storage/frame-protocol';
import { entriesOfPics, entryOfPic, formatEntries, parseEntryLine } from '@pic-storage/delete-log';

const ID = 'g01/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg';

describe('entryOfPic', () => {
  it('keeps the file id a url names, never the url as sent', () => {
    expect(entryOfPic({ hostid: 3, url: ID })).toEqual({ hostid: 3, fileId: ID });
    expect(entryOfPic({ hostid: 0, url: `http://pic.example.com:8081/download.fcgi/${ID}?x=1` })).toEqual({
      hostid: 0,
      fileId: ID,
    });
  });

  it('a url whose host holds a tab or a newline still gives a clean line', () => {
    const entry = entryOfPic({ hostid: 1, url: `http://a\tb\nc/${ID}` });
    expect(formatEntries([entry])).toBe(`1\t${ID}\n`);
  });
});

describe('entriesOfPics', () => {
  it('names the first bad entry with BAD_ARGUMENT', () => {
    const pics = [
      { hostid: 0, url: ID },
      { hostid: 0, url: 'g01/M00/00/00/../../../etc/passwd' },
    ];
    let caught: unknown;
    try {
      entriesOfPics(pics);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ResultError);
    expect((caught as ResultError).code).toBe(ResultCode.BAD_ARGUMENT);
    expect((caught as ResultError).message).toMatch(/^pic_info\[1\]: /);
  });
});

describe('formatEntries / parseEntryLine', () => {
  it('one `<hostid>\\t<file id>` line per entry, read back equal', () => {
    const entries = [
      { hostid: 0, fileId: ID },
      { hostid: 4294967295, fileId: ID.replace('g01', 'group12') },
    ];
    const text = formatEntries(entries);
    expect(text).toBe(`0\t${ID}\n4294967295\tgroup12/M00/00/00/CgEBxVxREbmAUETXAAEqVyZGQRY768.jpg\n`);
    expect(text.split('\n').slice(0, -1).map(parseEntryLine)).toEqual(entries);
  });

  it.each([
    ['', 'empty'],
    [ID, 'no hostid'],
    [`\t${ID}`, 'empty hostid'],
    [`01\t${ID}`, 'leading zero'],
    [`4294967296\t${ID}`, 'hostid over uint32'],
    [`-1\t${ID}`, 'negative hostid'],
    [`0\t${ID.slice(0, 30)}`, 'torn file id'],
    [`0\thttp://x/${ID}`, 'a url, not a file id'],
    [`0\tx/${ID}`, 'more than a file id'],
    [`0\t${ID} `, 'trailing space'],
    [`0\t${ID}\t1`, 'a third field'],
    [`0\t${ID}`.padEnd(200, 'A'), 'overlong'],
    ['\0\0\0\0', 'NUL bytes (a crash can leave them)'],
  ])('%j is not an entry (%s)', (line) => {
    expect(parseEntryLine(line)).toBeUndefined();
  });
});
