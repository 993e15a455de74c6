import type { Account } from '../../../entities';
import type { EntityRows } from '../entityRows';

/** Distinct usernames one statement asks for at most. */
const NAMES_PER_STATEMENT = 50;

/** Reads the account rows of these usernames (at most NAMES_PER_STATEMENT), by the username each was asked for. */
export type ReadAccounts = (usernames: string[]) => Promise<Map<string, Record<string, unknown>>>;

/**
 * The statement that reads the accounts of `count` usernames: one `SELECT ? AS wanted, … WHERE
 * username = ?` per name, joined by UNION ALL, so that each row comes back with the name it was
 * asked for and matched exactly as the database compares (MySQL's collation folds case).
 * Parameters: each username twice, in order.
 */
export function accountsByUsername(columns: string, count: number): string {
  return Array.from({ length: count }, () => `SELECT ? AS wanted, ${columns} FROM account WHERE username = ?`).join(' UNION ALL ');
}

export const accountsByUsernameParams = (usernames: readonly string[]): string[] => usernames.flatMap((u) => [u, u]);

/**
 * Looks accounts up by username for authentication, the lookups that arrive in one turn of the
 * event loop sharing one statement: under load most calls of a turn are one legacy system's, on
 * one account, and each used to cost a statement of its own (a round trip on MySQL). Nothing is
 * cached: the statement runs after the turn, so every caller gets the row as it is then, and an
 * Account object of its own.
 */
export class AccountReads {
  private pending: Map<string, { resolve(account: Account | null): void; reject(err: unknown): void }[]> | null = null;

  constructor(
    private readonly read: ReadAccounts,
    private readonly rows: EntityRows<Account>,
  ) {}

  find(username: string): Promise<Account | null> {
    return new Promise((resolve, reject) => {
      if (!this.pending) {
        this.pending = new Map();
        setImmediate(() => void this.flush());
      }
      const waiting = this.pending.get(username);
      if (waiting) waiting.push({ resolve, reject });
      else this.pending.set(username, [{ resolve, reject }]);
    });
  }

  private async flush(): Promise<void> {
    const asked = this.pending!;
    this.pending = null;
    const names = [...asked.keys()];
    for (let i = 0; i < names.length; i += NAMES_PER_STATEMENT) {
      const chunk = names.slice(i, i + NAMES_PER_STATEMENT);
      try {
        const found = await this.read(chunk);
        for (const name of chunk) {
          const row = found.get(name);
          for (const w of asked.get(name)!) w.resolve(row ? this.rows.from(row) : null);
        }
      } catch (err) {
        for (const name of chunk) for (const w of asked.get(name)!) w.reject(err);
      }
    }
  }
}
