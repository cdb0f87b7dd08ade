/**
 * admin_proxy's allow-list: CIDR ranges over IPv4, IPv6 and IPv4-mapped IPv6 client addresses,
 * and the errors a bad range gets.
 */
import { describe, expect, it } from 'vitest';
import { AllowList, addressBytes, parseAddressRange } from '../../../apps/admin-proxy/src/allow-list.js';

describe('addressBytes', () => {
  it('an IPv4 address and its IPv4-mapped IPv6 forms are the same 16 bytes', () => {
    const v4 = addressBytes('10.1.1.5');
    expect(v4?.toString('hex')).toBe('00000000000000000000ffff0a010105');
    expect(addressBytes('::ffff:10.1.1.5')).toEqual(v4);
    expect(addressBytes('::ffff:a01:105')).toEqual(v4);
    expect(addressBytes('0:0:0:0:0:ffff:10.1.1.5')).toEqual(v4);
  });

  it('expands :: anywhere and ignores a zone', () => {
    expect(addressBytes('::1')?.toString('hex')).toBe('00000000000000000000000000000001');
    expect(addressBytes('::')?.toString('hex')).toBe('0'.repeat(32));
    expect(addressBytes('fe80::1%eth0')?.toString('hex')).toBe('fe800000000000000000000000000001');
    expect(addressBytes('2001:db8::8:800:200c:417a')?.toString('hex')).toBe('20010db80000000000080800200c417a');
    expect(addressBytes('fd00:1:2:3:4:5:6:7')?.toString('hex')).toBe('fd000001000200030004000500060007');
  });

  it('anything that is not an address is undefined', () => {
    for (const bad of ['', 'localhost', '10.1.1', '10.1.1.256', '::ffff:10.1.1', '1:2:3:4:5:6:7:8:9', ':::1']) {
      expect(addressBytes(bad), bad).toBeUndefined();
    }
  });
});

describe('AllowList', () => {
  it('refuses 10.x when only 127.0.0.1/32 is allowed, in both notations', () => {
    const list = new AllowList(['127.0.0.1/32']);
    expect(list.allows('127.0.0.1')).toBe(true);
    expect(list.allows('::ffff:127.0.0.1')).toBe(true);
    expect(list.allows('10.1.1.5')).toBe(false);
    expect(list.allows('::ffff:10.1.1.5')).toBe(false);
    expect(list.allows('127.0.0.2')).toBe(false);
    expect(list.allows('::1')).toBe(false);
  });

  it('a prefix matches exactly its range, at byte and bit boundaries', () => {
    const list = new AllowList(['10.0.0.0/8', '172.16.0.0/12', '192.168.1.64/26']);
    expect(list.allows('10.0.0.0')).toBe(true);
    expect(list.allows('10.255.255.255')).toBe(true);
    expect(list.allows('11.0.0.0')).toBe(false);
    expect(list.allows('9.255.255.255')).toBe(false);
    expect(list.allows('172.16.0.1')).toBe(true);
    expect(list.allows('172.31.255.255')).toBe(true);
    expect(list.allows('172.32.0.0')).toBe(false);
    expect(list.allows('172.15.255.255')).toBe(false);
    expect(list.allows('192.168.1.64')).toBe(true);
    expect(list.allows('192.168.1.127')).toBe(true);
    expect(list.allows('192.168.1.63')).toBe(false);
    expect(list.allows('192.168.1.128')).toBe(false);
  });

  it('IPv6 ranges: ::1, fc00::/7; an IPv4 range never matches a plain IPv6 address', () => {
    const list = new AllowList(['::1', 'fc00::/7', '0.0.0.0/0']);
    expect(list.allows('::1')).toBe(true);
    expect(list.allows('fc00::5')).toBe(true);
    expect(list.allows('fdff:ffff::1')).toBe(true);
    expect(list.allows('fe00::1')).toBe(false);
    expect(list.allows('2001:db8::1')).toBe(false);
    expect(list.allows('8.8.8.8')).toBe(true); // 0.0.0.0/0: every IPv4 client
    expect(list.allows('::ffff:8.8.8.8')).toBe(true);
  });

  it('* lets everyone in; an empty list nobody; an unparsable client address is refused', () => {
    expect(new AllowList(['*']).allows('203.0.113.9')).toBe(true);
    expect(new AllowList(['*']).everyone).toBe(true);
    expect(new AllowList([]).allows('127.0.0.1')).toBe(false);
    expect(new AllowList(['127.0.0.0/8']).allows('')).toBe(false);
  });
});

describe('parseAddressRange', () => {
  it('a bare address is the whole address; IPv4 prefixes count from 96 in the 16-byte form', () => {
    expect(parseAddressRange('10.1.1.5').prefix).toBe(128);
    expect(parseAddressRange('10.0.0.0/8').prefix).toBe(104);
    expect(parseAddressRange('fc00::/7').prefix).toBe(7);
    expect(parseAddressRange('0.0.0.0/0').prefix).toBe(96);
  });

  it('host bits past the prefix are an error that shows the network to write', () => {
    expect(() => parseAddressRange('10.1.1.5/8')).toThrow(
      '10.1.1.5/8 has bits set past its /8 prefix: write 10.0.0.0/8, or the address alone',
    );
    expect(() => parseAddressRange('fd00::1/8')).toThrow('fd00::1/8 has bits set past its /8 prefix');
  });

  it('rejects what is not a range, naming it', () => {
    expect(() => parseAddressRange('10.0.0.0/33')).toThrow('10.0.0.0/33: the prefix length must be 0..32');
    expect(() => parseAddressRange('::/129')).toThrow('::/129: the prefix length must be 0..128');
    for (const bad of ['10.0.0/8', 'localhost', '10.0.0.0/', '/8', '10.0.0.0/8/8', '10.0.0.0/-1']) {
      expect(() => parseAddressRange(bad), bad).toThrow(`${JSON.stringify(bad)} is not an address range`);
    }
  });
});
