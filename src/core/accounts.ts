import type { DataSource } from 'typeorm';
import { Account, BalanceLedger } from '../../entities';
import { inTransaction } from '../db/transaction';
import { Failure } from './failures';
import { hashPassword, verifyPassword, VerifiedPasswordCache } from './passwords';

/** The three balance pools, indexed by the legacy smstype: 0 卡发 card, 1 网关 gateway, 2 会员 member. */
export const POOLS = [
  { name: 'card', column: 'balance_card', property: 'balanceCard' },
  { name: 'gateway', column: 'balance_gateway', property: 'balanceGateway' },
  { name: 'member', column: 'balance_member', property: 'balanceMember' },
] as const;
export type Pool = 0 | 1 | 2;

export function isPool(n: number): n is Pool {
  return n === 0 || n === 1 || n === 2;
}

export function balanceOf(account: Account, pool: Pool): number {
  return account[POOLS[pool].property];
}

export class Accounts {
  private readonly verified = new VerifiedPasswordCache();

  constructor(private readonly db: DataSource) {}

  /** Checks a caller's credentials and source address; every refusal looks the same to the caller but for the IP one. */
  async authenticate(username: string, password: string, callerIp?: string): Promise<Account> {
    if (!username || !password) throw new Failure('badCredentials');
    const account = await this.db.getRepository(Account).findOneBy({ username });
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

  async create(username: string, password: string, balances: Partial<Record<Pool, number>> = {}): Promise<Account> {
    const account = this.db.getRepository(Account).create({
      username,
      passwordHash: await hashPassword(password),
      balanceCard: 0,
      balanceGateway: 0,
      balanceMember: 0,
      enabled: 1,
      createdAt: new Date(),
    });
    return inTransaction(this.db, async (m) => {
      await m.getRepository(Account).insert(account);
      for (const pool of [0, 1, 2] as Pool[]) {
        const amount = balances[pool];
        if (amount) await chargeInTransaction(m, account.id, pool, -amount, 'topup', 'admin', null, 'initial balance');
      }
      return m.getRepository(Account).findOneByOrFail({ id: account.id });
    });
  }

  /** Sets the vendors this account's messages go through, in failover order; empty: the gateway's default route. */
  async setRoute(accountId: number, route: string[]): Promise<void> {
    await inTransaction(this.db, (m) =>
      m.getRepository(Account).update({ id: accountId }, { route: route.length > 0 ? route.join(',') : null }),
    );
  }

  /** Moves a pool's balance up (top-up, refund) or down and writes the ledger line, in one transaction. */
  async adjust(
    accountId: number,
    pool: Pool,
    amount: number,
    business: string,
    operator: string,
    businessNumber: string | null,
    notes: string | null,
  ): Promise<number> {
    return inTransaction(this.db, (m) => chargeInTransaction(m, accountId, pool, -amount, business, operator, businessNumber, notes));
  }
}

/**
 * Takes `cost` from a pool inside the caller's transaction (a negative cost credits it) and
 * writes the ledger line. The conditional UPDATE both checks and takes the balance, so two
 * concurrent sends can never spend the same message twice. Returns what remains.
 */
export async function chargeInTransaction(
  m: import('typeorm').EntityManager,
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
