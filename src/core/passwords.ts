import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

/** scrypt with N=2^15: about 50 ms a hash here, expensive for anyone holding a stolen table. */
const PARAMS = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return timingSafeEqual(actual, expected);
}

/**
 * Legacy callers send the password with every call, thousands of times a minute; a slow hash on
 * each would cap the gateway at a few dozen calls a second per core. A successful check is
 * remembered for a short time as an HMAC under a key that lives only in this process, so
 * the cache never holds a password and is useless outside it. A changed hash misses the cache.
 */
export class VerifiedPasswordCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { mac: Buffer; expires: number }>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  private mac(username: string, password: string, stored: string): Buffer {
    return createHmac('sha256', this.key).update(`${username}\0${password}\0${stored}`).digest();
  }

  has(username: string, password: string, stored: string): boolean {
    const entry = this.entries.get(username);
    if (!entry || entry.expires < Date.now()) return false;
    return timingSafeEqual(entry.mac, this.mac(username, password, stored));
  }

  remember(username: string, password: string, stored: string): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(username, { mac: this.mac(username, password, stored), expires: Date.now() + this.ttlMs });
  }
}
