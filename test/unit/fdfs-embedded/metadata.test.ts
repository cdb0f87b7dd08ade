import { describe, expect, it } from 'vitest';
import { packRecords, splitMetadata } from 'fastdfs-protocol';
import { mergeRecords, sortRecords } from '../../../libs/fdfs-embedded/src/metadata-file.js';

const text = (records: { name: Buffer; value: Buffer }[]) =>
  records.map((r) => `${r.name.toString('latin1')}=${r.value.toString('latin1')}`);

describe('server-side metadata (fdfs_split_metadata_ex / storage_sort_metadata_buff)', () => {
  it('splits records, drops those without a field separator, keeps an empty value', () => {
    expect(text(splitMetadata(Buffer.from('a\x021\x01junk\x01b\x02\x01\x02x', 'latin1')))).toEqual(['a=1', 'b=', '=x']);
    expect(splitMetadata(Buffer.alloc(0))).toEqual([]);
  });

  it('cuts names at 64 bytes, values at 256, and the text at a NUL', () => {
    const [r] = splitMetadata(Buffer.from(`${'n'.repeat(70)}\x02${'v'.repeat(300)}`, 'latin1'));
    expect(r?.name.length).toBe(64);
    expect(r?.value.length).toBe(256);
    expect(text(splitMetadata(Buffer.from('a\x02va\x00lue', 'latin1')))).toEqual(['a=va']);
  });

  it('sorts by name in byte order and packs without a trailing separator', () => {
    const sorted = sortRecords(splitMetadata(Buffer.from('b\x022\x01B\x023\x01a\x021', 'latin1')));
    expect(packRecords(sorted).toString('latin1')).toBe('B\x023\x01a\x021\x01b\x022');
    expect(packRecords([]).length).toBe(0);
  });

  it('merges: new values replace, new names insert, old names stay', () => {
    const old = splitMetadata(Buffer.from('a\x021\x01c\x023', 'latin1'));
    const merged = mergeRecords(old, splitMetadata(Buffer.from('c\x02three\x01b\x022', 'latin1')));
    expect(text(merged)).toEqual(['a=1', 'b=2', 'c=three']);
  });
});
