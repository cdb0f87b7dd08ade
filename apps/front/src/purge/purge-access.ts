import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The realm a browser's password prompt names (RFC 7617); the user name given there is ignored. */
export const OPERATOR_REALM = 'pic-storage operator';

/** An Authorization header longer than this is not a Basic one worth decoding. */
const MAX_AUTHORIZATION_LENGTH = 4096;

/** How a refused request is answered: 401 asking for the secret as a password, or 403 when no secret exists. */
export interface Refusal {
  status: 401 | 403;
  headers: Record<string, string>;
}

/**
 * Who may purge and open the operator page: a client address on the allow list (purge_allow,
 * default loopback only), or any client giving the configured secret (PIC_PURGE_SECRET /
 * purge_secret), either in X-Purge-Secret (cs_del_svr, scripts) or as the password of HTTP Basic
 * authentication (a browser, which cannot add a header of its own to a page it opens).
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

  allows(
    remoteAddress: string | undefined,
    secretHeader: string | string[] | undefined,
    authorization?: string | undefined,
  ): boolean {
    if (remoteAddress !== undefined && this.allowed.has(plainAddress(remoteAddress))) return true;
    if (this.secret === undefined) return false;
    if (typeof secretHeader === 'string' && this.isSecret(Buffer.from(secretHeader))) return true;
    const password = basicPassword(authorization);
    return password !== undefined && this.isSecret(password);
  }

  /**
   * The answer to a client `allows` refused, for pages a browser opens: with a secret configured,
   * 401 and a Basic challenge, so that the browser asks for it; without one, no password helps: 403.
   */
  refusal(): Refusal {
    return this.secret === undefined
      ? { status: 403, headers: {} }
      : { status: 401, headers: { 'WWW-Authenticate': `Basic realm="${OPERATOR_REALM}", charset="UTF-8"` } };
  }

  private isSecret(given: Buffer): boolean {
    const secret = this.secret;
    return secret !== undefined && given.length === secret.length && timingSafeEqual(given, secret);
  }
}

/** The password of `Authorization: Basic base64(user:password)` (RFC 7617), or undefined when it is not one. */
export function basicPassword(authorization: string | undefined): Buffer | undefined {
  if (authorization === undefined || authorization.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64');
  const colon = decoded.indexOf(0x3a);
  return colon === -1 ? undefined : decoded.subarray(colon + 1);
}

/** An IPv4 client of a dual-stack socket shows as ::ffff:a.b.c.d: the list names it a.b.c.d. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address.toLowerCase();
}
