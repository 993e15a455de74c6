import { type Config, loadConfig } from './config';
import { ConfigError } from './configError';
import { isPool } from './core/accounts';
import { createCore } from './core';
import { openDatabase } from './db/datasource';
import { startGateway } from './gateway';
import { createLogger } from './logger';
import { createVendors } from './vendors';

const USAGE = `smsgw — the legacy SMS web-service gateway

  smsgw serve                                   start the gateway (migrates first)
  smsgw migrate                                 run database migrations and exit
  smsgw account:create USER PASSWORD [N]        create an account with N messages in each pool
  smsgw account:topup USER POOL AMOUNT          add (or with a negative AMOUNT take) messages; POOL 0 卡发, 1 网关, 2 会员
  smsgw account:route USER VENDOR[,VENDOR…]     send USER's messages through these vendors in failover order ('' for the default route)
  smsgw reply:inject MOBILE CONTENT [USER]      queue an inbound reply as if a vendor received it
  smsgw reply:unassigned                        list replies no account could be found for
  smsgw vendor:balance NAME                     ask a configured vendor for the balance of our account there

Configuration comes from the environment (PORT, DATABASE_URL, PUBLIC_URL, ADMIN_TOKEN, VENDORS, …) and,
for vendors and routes, the file GATEWAY_CONFIG names (see README.md and docs/vendors.md).`;

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
        const outcome = await core.replies.record({ vendor: 'operator', mobile, content, username, at: new Date() });
        if (outcome.result === 'queued') console.log(`reply queued for ${outcome.reply.receiver}`);
        else console.log('no account found for this reply: it is kept unassigned (smsgw reply:unassigned); name a USER to queue it');
        return outcome.result === 'queued' ? 0 : 1;
      });
    }
    case 'reply:unassigned': {
      return withCore(config, async (core) => {
        const replies = await core.replies.unassigned();
        for (const r of replies) console.log([r.id, r.receivedAt.toISOString(), r.vendor, r.mobile, r.extNo ?? '', r.content].join('\t'));
        if (replies.length === 0) console.log('no unassigned replies');
        return 0;
      });
    }
    case 'account:route': {
      const [username, list] = args;
      if (!username || list === undefined) break;
      const route = list
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      const unknown = route.filter((v) => !config.vendors.has(v));
      if (unknown.length > 0) {
        console.error(`not configured vendors: ${unknown.join(', ')} (configured: ${[...config.vendors.keys()].join(', ')})`);
        return 2;
      }
      return withCore(config, async (core) => {
        const account = await core.accounts.find(username);
        if (!account) {
          console.error(`no account ${username}`);
          return 1;
        }
        await core.accounts.setRoute(account.id, route);
        console.log(
          route.length > 0 ? `account ${username} now sends through ${route.join(' → ')}` : `account ${username} uses the default route`,
        );
        return 0;
      });
    }
    case 'vendor:balance': {
      const [name] = args;
      const settings = name ? config.vendors.get(name) : undefined;
      if (!name) break;
      if (!settings) {
        console.error(`no vendor ${name} (configured: ${[...config.vendors.keys()].join(', ')})`);
        return 2;
      }
      const log = createLogger('silent');
      const vendor = createVendors(new Map([[name, settings]]), async () => undefined, log).get(name)!;
      if (!vendor.balance) {
        console.error(`vendor ${name} (${settings.type}) has no balance call`);
        return 2;
      }
      try {
        const { balance, raw } = await vendor.balance();
        console.log(`${name}: ${balance} (the vendor answered ${JSON.stringify(raw)})`);
        return 0;
      } finally {
        await vendor.stop?.();
      }
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
