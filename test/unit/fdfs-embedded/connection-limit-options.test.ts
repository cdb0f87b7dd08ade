import { describe, expect, it } from 'vitest';
import { resolveEmbeddedOptions } from '@pic-storage/fdfs-embedded';

describe('connection limit options', () => {
  it('default to 64 connections per address and 5 s of idle time under pressure', () => {
    const o = resolveEmbeddedOptions({ basePath: '/x', logger: false });
    expect(o.maxConnectionsPerAddress).toBe(64);
    expect(o.pressureIdleTimeoutMs).toBe(5000);
  });

  it('name the bad key', () => {
    expect(() => resolveEmbeddedOptions({ basePath: '/x', maxConnectionsPerAddress: 0 })).toThrow(
      /maxConnectionsPerAddress/,
    );
    expect(() => resolveEmbeddedOptions({ basePath: '/x', maxConnectionsPerAddress: 1.5 })).toThrow(
      /maxConnectionsPerAddress/,
    );
    expect(() => resolveEmbeddedOptions({ basePath: '/x', pressureIdleTimeoutMs: 0 })).toThrow(/pressureIdleTimeoutMs/);
  });
});
