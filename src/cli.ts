import { type Config, ConfigError, loadConfig } from './config';
import { isPool } from './core/accounts';
import { createCore } from './core';
import { openDatabase } from './db/datasource';
import { startGateway } from './gateway';
import { createLogger } from './logger';

const USAGE = `smsgw — the legacy SMS web-service gateway

  smsgw serve                                   start the gateway (migrates first)
  smsgw migrate                                 run database migrations and exit
  smsgw account:create USER PASSWORD [N]        create an account with N messages in each pool
  smsgw account:topup USER POOL AMOUNT          add (or with a negative AMOUNT take) messages; POOL 0 卡发, 1 网关, 2 会员
  smsgw reply:inject MOBILE CONTENT [USER]      queue an inbound reply as if the simulator vendor received it

Configuration comes from the environment: PORT, DATABASE_URL, PUBLIC_URL, ADMIN_TOKEN, VENDORS,
SIMULATOR_DELAY_MS, SIMULATOR_SUCCESS_RATIO, … (see README.md).`;

async function withCore<T>(config: Config, fn: (core: ReturnType<typeof createCore>) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.databaseUrl);
  try {
    return await fn(createCore(db));
  } finally {
    await db.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const config = loadConfig();
  switch (command) {
    case 'serve': {
      const gateway = await startGateway(config);
      const shutdown = () => {
        gateway.log.info('shutting down');
        gateway.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
      return -1;
    }
    case 'migrate': {
      const db = await openDatabase(config.databaseUrl);
      console.log(`migrations applied: ${(await db.query('SELECT name FROM migrations')).map((r: { name: string }) => r.name).join(', ')}`);
      await db.destroy();
      return 0;
    }
    case 'account:create': {
      const [username, password, each = '0'] = args;
      if (!username || !password) break;
      const n = Number(each);
      await withCore(config, (core) => core.accounts.create(username, password, { 0: n, 1: n, 2: n }));
      console.log(`account ${username} created with ${n} messages in each pool`);
      return 0;
    }
    case 'account:topup': {
      const [username, poolArg, amountArg] = args;
      const pool = Number(poolArg);
      const amount = Number(amountArg);
      if (!username || !isPool(pool) || !Number.isInteger(amount)) break;
      return withCore(config, async (core) => {
        const account = await core.accounts.find(username);
        if (!account) {
          console.error(`no account ${username}`);
          return 1;
        }
        console.log(`remaining: ${await core.accounts.adjust(account.id, pool, amount, 'topup', 'cli', null, null)}`);
        return 0;
      });
    }
    case 'reply:inject': {
      const [mobile, content, username] = args;
      if (!mobile || !content) break;
      return withCore(config, async (core) => {
        const reply = await core.replies.record({ vendor: 'simulator', mobile, content, username, at: new Date() });
        console.log(reply ? `reply queued for ${reply.receiver}` : 'no account found for this reply; name a USER');
        return reply ? 0 : 1;
      });
    }
  }
  console.error(USAGE);
  return command === 'help' || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    createLogger('error').error({ err }, 'smsgw failed');
    process.exit(1);
  },
);
