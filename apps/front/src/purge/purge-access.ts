import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Who may purge: a client address on the allow list (purge_allow, default loopback only), or any
 * client sending the configured secret in X-Purge-Secret (PIC_PURGE_SECRET / purge_secret).
 */
export class PurgeAccess {
  private readonly allowed: ReadonlySet<string>;
  private readonly secret: Buffer | undefined;

  constructor(allow: readonly string[], secret: string | undefined) {
    for (const address of allow) {
      if (isIP(address) === 0) throw new RangeError(`purge_allow has ${JSON.stringify(address)}, not an IP address`);
    }
    this.allowed = new Set(allow.map(plainAddress));
    this.secret = secret === undefined ? undefined : Buffer.from(secret);
  }

  allows(remoteAddress: string | undefined, secretHeader: string | string[] | undefined): boolean {
    if (remoteAddress !== undefined && this.allowed.has(plainAddress(remoteAddress))) return true;
    if (this.secret === undefined || typeof secretHeader !== 'string') return false;
    const given = Buffer.from(secretHeader);
    return given.length === this.secret.length && timingSafeEqual(given, this.secret);
  }
}

/** An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d: the list names it a.b.c.d. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address.toLowerCase();
}
