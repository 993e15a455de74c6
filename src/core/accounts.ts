import { isIP } from 'node:net';
import type { DataSource, EntityManager } from 'typeorm';
import { Account, BalanceLedger } from '../../entities';
import { inTransaction, isDuplicateKey } from '../db/transaction';
import type { AcceptStore } from './accept';
import { Failure } from './failures';
import { formatNumberLimits, NUMBER_LIMIT_SCOPES, parseNumberLimits } from './numberLimits';
import { hashPassword, verifyPassword, VerifiedPasswordCache } from './passwords';

/** The three balance pools, indexed by the legacy smstype: 0 卡发 card, 1 网关 gateway, 2 会员 member. */
export const POOLS = [
  { name: 'card', column: 'balance_card', property: 'balanceCard' },
  { name: 'gateway', column: 'balance_gateway', property: 'balanceGateway' },
  { name: 'member', column: 'balance_member', property: 'balanceMember' },
] as const;
export type Pool = 0 | 1 | 2;

/** The largest balance a pool holds and the largest single top-up: far beyond any real account, well inside a 32-bit column. */
export const MAX_BALANCE = 1_000_000_000;

/**
 * The demo account of the embedded default. Its password is public, so it answers loopback
 * callers only, and it is retired as soon as a real account exists or DEMO_ACCOUNT=false.
 */
export const DEMO = { username: 'demo', password: 'demo123', balance: 100000, ipAllow: '127.0.0.1,::1', spCode: '100001' } as const;

/** An operator's request the core refuses (bad balance, existing username): never a caller's refusal. */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'exists' | 'missing',
  ) {
    super(message);
  }
}

/** A balance or top-up as operators give it: a whole number within MAX_BALANCE (negative only where allowed). */
export function checkAmount(value: unknown, what: string, allowNegative = false): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  const min = allowNegative ? -MAX_BALANCE : 0;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > MAX_BALANCE) {
    throw new AccountError(`${what} must be a whole number from ${min} to ${MAX_BALANCE}, got ${JSON.stringify(value)}`, 'invalid');
  }
  return n;
}

/** A route an operator gives: every name must be a configured vendor. */
export function checkRoute(route: string[], configured: Iterable<string>): void {
  const known = [...configured];
  const unknown = route.filter((v) => !known.includes(v));
  if (unknown.length > 0)
    throw new AccountError(`not configured vendors: ${unknown.join(', ')} (configured: ${known.join(', ')})`, 'invalid');
}

/** A 企业编号 as UMS hands them out: digits, at most 32. */
function checkSpCode(spCode: string): string {
  const value = spCode.trim();
  if (!/^\d{1,32}$/.test(value)) throw new AccountError(`a 企业编号 (SpCode) is 1 to 32 digits, got ${JSON.stringify(spCode)}`, 'invalid');
  return value;
}

/** An IP allow-list as operators give it: comma-separated addresses; 'none' or empty allows every address (null). */
function checkIpAllow(list: string): string | null {
  const ips = list
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  if (ips.length === 0 || (ips.length === 1 && ips[0] === 'none')) return null;
  const bad = ips.filter((ip) => isIP(ip) === 0);
  if (bad.length > 0)
    throw new AccountError(`not IP addresses: ${bad.join(', ')} (give addresses such as 10.0.0.5,::1, or none)`, 'invalid');
  const value = ips.join(',');
  if (value.length > 255) throw new AccountError('an IP allow-list is at most 255 characters', 'invalid');
  return value;
}

/** An extension number (扩展号) as vendors append it to the sender number: digits, at most 16; 'none' or empty: none (null). */
function checkExtNo(extNo: string): string | null {
  const value = extNo.trim();
  if (value === '' || value === 'none') return null;
  if (!/^\d{1,16}$/.test(value))
    throw new AccountError(`an extension number is 1 to 16 digits or none, got ${JSON.stringify(extNo)}`, 'invalid');
  return value;
}

export function isPool(n: number): n is Pool {
  return n === 0 || n === 1 || n === 2;
}

export function balanceOf(account: Account, pool: Pool): number {
  return account[POOLS[pool].property];
}

export class Accounts {
  private readonly verified = new VerifiedPasswordCache();

  constructor(
    private readonly db: DataSource,
    private readonly accept: AcceptStore,
  ) {}

  /** Checks a caller's credentials and source address; every refusal looks the same to the caller but for the IP one. */
  async authenticate(username: string, password: string, callerIp?: string): Promise<Account> {
    if (!username || !password) throw new Failure('badCredentials');
    const account = await this.accept.findAccount(username);
    if (!account) throw new Failure('badCredentials');
    if (!this.verified.has(username, password, account.passwordHash)) {
      if (!(await verifyPassword(password, account.passwordHash))) throw new Failure('badCredentials');
      this.verified.remember(username, password, account.passwordHash);
    }
    if (!account.enabled) throw new Failure('accountDisabled');
    if (account.ipAllow && callerIp) {
      const allowed = account.ipAllow.split(',').map((ip) => ip.trim());
      if (!allowed.includes(callerIp)) throw new Failure('ipNotAllowed');
    }
    return account;
  }

  find(username: string): Promise<Account | null> {
    return this.db.getRepository(Account).findOneBy({ username });
  }

  /** Every account, by username. */
  list(): Promise<Account[]> {
    return this.db.getRepository(Account).find({ order: { username: 'ASC' } });
  }

  /** The named account, or an AccountError 'missing' naming it. */
  async get(username: string): Promise<Account> {
    const account = await this.find(username);
    if (!account) throw new AccountError(`no account ${username}`, 'missing');
    return account;
  }

  /**
   * Creates an account with these opening balances (each checked by checkAmount). A username that
   * exists, even one created a moment ago by a concurrent request, is an AccountError 'exists'.
   * An operator's first real account (`retireDemo`) disables the demo account in the same transaction.
   */
  async create(
    username: string,
    password: string,
    balances: Partial<Record<Pool, unknown>> = {},
    options: { ipAllow?: string; retireDemo?: boolean; spCode?: string } = {},
  ): Promise<Account> {
    if (!username || username.length > 64) throw new AccountError('a username is 1 to 64 characters', 'invalid');
    if (!password) throw new AccountError('a password is required', 'invalid');
    const opening = ([0, 1, 2] as Pool[]).map((pool) =>
      balances[pool] === undefined ? 0 : checkAmount(balances[pool], `balance of pool ${pool}`),
    );
    const account = this.db.getRepository(Account).create({
      username,
      passwordHash: await hashPassword(password),
      balanceCard: 0,
      balanceGateway: 0,
      balanceMember: 0,
      ipAllow: options.ipAllow ?? null,
      spCode: options.spCode ? checkSpCode(options.spCode) : null,
      enabled: 1,
      createdAt: new Date(),
    });
    return inTransaction(this.db, async (m) => {
      if (await m.getRepository(Account).existsBy({ username })) throw new AccountError(`an account ${username} exists`, 'exists');
      try {
        await m.getRepository(Account).insert(account);
      } catch (err) {
        if (isDuplicateKey(err)) throw new AccountError(`an account ${username} exists`, 'exists');
        throw err;
      }
      for (const pool of [0, 1, 2] as Pool[]) {
        if (opening[pool]) await chargeInTransaction(m, account.id, pool, -opening[pool], 'topup', 'admin', null, 'initial balance');
      }
      if (options.retireDemo && username !== DEMO.username) await retireDemo(m);
      return m.getRepository(Account).findOneByOrFail({ id: account.id });
    });
  }

  /**
   * Sets an account's password (scrypt, as at creation). The update is conditional on the hash the
   * caller checked the current password against (`currentHash`): of two concurrent changes made
   * with the same old password only the first succeeds, and false says this one lost. The old
   * password stops working at once, in this process and any other: `authenticate` reads the hash
   * on every call and the verified-password cache is keyed by the hash, so an entry made with the
   * old hash never matches the new one.
   */
  async changePassword(accountId: number, newPassword: string, currentHash: string): Promise<boolean> {
    if (!newPassword) throw new AccountError('a password is required', 'invalid');
    const passwordHash = await hashPassword(newPassword);
    const updated = await inTransaction(this.db, (m) =>
      m.getRepository(Account).update({ id: accountId, passwordHash: currentHash }, { passwordHash }),
    );
    return (updated.affected ?? 0) === 1;
  }

  /**
   * An operator's new password for an account, whatever the current one: changePassword conditional
   * on the hash just read, so a caller's own change made meanwhile is not silently overwritten.
   */
  async setPassword(username: string, newPassword: string): Promise<void> {
    const account = await this.get(username);
    if (!(await this.changePassword(account.id, newPassword, account.passwordHash)))
      throw new AccountError(`the password of ${username} changed meanwhile; give the command again`, 'exists');
  }

  /** The caller addresses this account answers (comma-separated); 'none' or empty: every address. */
  async setIpAllow(username: string, list: string): Promise<string | null> {
    const value = checkIpAllow(list);
    const account = await this.get(username);
    await inTransaction(this.db, (m) => m.getRepository(Account).update({ id: account.id }, { ipAllow: value }));
    return value;
  }

  /**
   * The extension number (扩展号) appended to the sender number of this account's messages, by which
   * a reply to one is found to be this account's; 'none': none. One extension number belongs to one account.
   */
  async setExtNo(username: string, extNo: string): Promise<string | null> {
    const value = checkExtNo(extNo);
    const account = await this.get(username);
    await inTransaction(this.db, async (m) => {
      const holder = value === null ? null : await m.getRepository(Account).findOneBy({ extNo: value });
      if (holder && holder.id !== account.id)
        throw new AccountError(`extension number ${value} belongs to account ${holder.username}`, 'exists');
      await m.getRepository(Account).update({ id: account.id }, { extNo: value });
    });
    return value;
  }

  /** Disables the demo account, if there is one; returns whether one was enabled. */
  retireDemo(): Promise<boolean> {
    return inTransaction(this.db, retireDemo);
  }

  /** Sets the vendors this account's messages go through, in failover order; empty: the gateway's default route. */
  async setRoute(username: string, route: string[]): Promise<void> {
    const account = await this.get(username);
    await inTransaction(this.db, (m) =>
      m.getRepository(Account).update({ id: account.id }, { route: route.length > 0 ? route.join(',') : null }),
    );
  }

  /** Sets the 企业编号 (UMS SpCode) a UMS caller of this account must give; null: none is checked. */
  async setSpCode(username: string, spCode: string | null): Promise<void> {
    const value = spCode === null || spCode.trim() === '' || spCode === 'none' ? null : checkSpCode(spCode);
    const account = await this.get(username);
    await inTransaction(this.db, (m) => m.getRepository(Account).update({ id: account.id }, { spCode: value }));
  }

  /**
   * Where this account's reports (`mr`) or replies (`mo`, `ums-reply`) are pushed; null: it
   * fetches them. An http(s) URL; the pushes start with what arrives from then on.
   */
  async setPushUrl(username: string, kind: 'mr' | 'mo' | 'ums-reply', url: string | null): Promise<void> {
    const value = url === null || url.trim() === '' || url === 'none' ? null : url.trim();
    if (value !== null && (!/^https?:\/\/[^/\s]+/.test(value) || value.length > 255))
      throw new AccountError(`a push URL is an http(s) URL of at most 255 characters, got ${JSON.stringify(url)}`, 'invalid');
    const column = { mr: 'mrUrl', mo: 'moUrl', 'ums-reply': 'umsReplyUrl' } as const;
    if (!(kind in column)) throw new AccountError(`a push is mr, mo or ums-reply, got ${JSON.stringify(kind)}`, 'invalid');
    const account = await this.get(username);
    await inTransaction(this.db, (m) => m.getRepository(Account).update({ id: account.id }, { [column[kind]]: value }));
  }

  /** Whether every text this account sends must carry a signature 【…】 (the audit refuses unsigned ones). */
  async setRequireSignature(username: string, required: boolean): Promise<void> {
    const account = await this.get(username);
    await inTransaction(this.db, (m) => m.getRepository(Account).update({ id: account.id }, { requireSignature: required ? 1 : 0 }));
  }

  /**
   * Sets the per-number frequency limits of this account's sends (src/core/numberLimits.ts):
   * `juhe` (聚合数据's 1 per 30 s, 2 per minute, 3 per 30 minutes), `none`, or windows such as
   * `1/30s,2/1m,3/30m`; `scope` says which texts they apply to (verification codes by default).
   * Returns the windows stored, `count/seconds,…`, or null for none.
   */
  async setNumberLimits(username: string, limits: string, scope: string = 'codes'): Promise<string | null> {
    const windows = parseNumberLimits(limits);
    if (!(NUMBER_LIMIT_SCOPES as readonly string[]).includes(scope))
      throw new AccountError(`the scope of per-number limits is codes or all, got ${JSON.stringify(scope)}`, 'invalid');
    const account = await this.get(username);
    const numberLimits = windows ? formatNumberLimits(windows) : null;
    await inTransaction(this.db, (m) => m.getRepository(Account).update({ id: account.id }, { numberLimits, numberLimitScope: scope }));
    return numberLimits;
  }

  /**
   * Maps the legacy `userid` a legacy system writes into `send.userid` to this account (null: none),
   * so that rows it inserts are charged to and reported to it. One userid belongs to one account.
   */
  async setLegacyUserId(username: string, legacyUserId: unknown): Promise<void> {
    const raw = typeof legacyUserId === 'string' ? legacyUserId.trim() : legacyUserId;
    const n = raw === null || raw === '' || raw === 'none' ? null : typeof raw === 'string' ? Number(raw) : raw;
    if (n !== null && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > 2_147_483_647)) {
      throw new AccountError(
        `a legacy userid is a whole number from 0 to 2147483647 or none, got ${JSON.stringify(legacyUserId)}`,
        'invalid',
      );
    }
    const account = await this.get(username);
    await inTransaction(this.db, async (m) => {
      const holder = n === null ? null : await m.getRepository(Account).findOneBy({ legacyUserId: n });
      if (holder && holder.id !== account.id) throw new AccountError(`legacy userid ${n} belongs to account ${holder.username}`, 'exists');
      try {
        await m.getRepository(Account).update({ id: account.id }, { legacyUserId: n });
      } catch (err) {
        if (isDuplicateKey(err)) throw new AccountError(`legacy userid ${n} belongs to another account`, 'exists');
        throw err;
      }
    });
  }

  /**
   * An operator's top-up (a negative amount takes messages back), checked here for the CLI and the
   * admin API alike: pool 0, 1 or 2, a non-zero whole amount within MAX_BALANCE. Returns what remains.
   */
  async topUp(username: string, pool: unknown, amount: unknown, operator: string, notes: string | null = null): Promise<number> {
    const poolNumber = typeof pool === 'string' && pool.trim() !== '' ? Number(pool) : pool;
    if (typeof poolNumber !== 'number' || !isPool(poolNumber))
      throw new AccountError(`pool must be 0, 1 or 2, got ${JSON.stringify(pool)}`, 'invalid');
    const n = checkAmount(amount, 'amount', true);
    if (n === 0) throw new AccountError('amount must not be 0', 'invalid');
    const account = await this.get(username);
    return inTransaction(this.db, (m) => chargeInTransaction(m, account.id, poolNumber, -n, 'topup', operator, null, notes));
  }
}

async function retireDemo(m: EntityManager): Promise<boolean> {
  const updated = await m.getRepository(Account).update({ username: DEMO.username, ipAllow: DEMO.ipAllow, enabled: 1 }, { enabled: 0 });
  return (updated.affected ?? 0) > 0;
}

/**
 * Takes `cost` from a pool inside the caller's transaction (a negative cost credits it) and
 * writes the ledger line. The conditional UPDATE both checks and takes the balance, so two
 * concurrent sends can never spend the same message twice. Returns what remains.
 */
export async function chargeInTransaction(
  m: EntityManager,
  accountId: number,
  pool: Pool,
  cost: number,
  business: string,
  operator: string,
  businessNumber: string | null,
  notes: string | null,
): Promise<number> {
  const column = POOLS[pool].column;
  const result = await m
    .createQueryBuilder()
    .update(Account)
    .set({ [POOLS[pool].property]: () => `${column} - :cost` })
    .where(`id = :id AND ${column} >= :cost`, { id: accountId, cost })
    .setParameter('cost', cost)
    .execute();
  if ((result.affected ?? 0) !== 1) throw new Failure('insufficientBalance');
  const remaining = balanceOf(await m.getRepository(Account).findOneByOrFail({ id: accountId }), pool);
  await m.getRepository(BalanceLedger).insert({
    accountId,
    pool,
    original: remaining + cost,
    amount: -cost,
    remaining,
    business,
    businessNumber,
    operator,
    notes,
    createdAt: new Date(),
  });
  return remaining;
}
