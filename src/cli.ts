import { Command, CommanderError } from 'commander';
import { type Config, loadConfig, redactDatabaseUrl } from './config';
import { ConfigError } from './configError';
import { describeContract } from './contracts/check';
import { loadContract } from './contracts/contract';
import { AccountError, checkRoute } from './core/accounts';
import { Failure } from './core/failures';
import { type Core, createCore } from './core';
import { openDatabase } from './db/datasource';
import { startGateway } from './gateway';
import { createLogger } from './logger';
import { createVendors } from './vendors';

const ENVIRONMENT_HELP = `
Configuration comes from the environment (PORT, DATABASE_URL, PUBLIC_URL, ADMIN_TOKEN, VENDORS, …) and,
for vendors and routes, the file GATEWAY_CONFIG names (see README.md and docs/vendors.md). Commands that
use the database must be given the gateway's DATABASE_URL; they print which database they used.`;

/** The process's exit code; a running server (serve) keeps the process alive instead. */
type Outcome = number | 'running';

/** Opens the configured database, says which one on stderr, runs fn and closes it. */
async function withCore(config: Config, fn: (core: Core) => Promise<number>): Promise<number> {
  console.error(`database: ${redactDatabaseUrl(config.databaseUrl)}`);
  const db = await openDatabase(config.databaseUrl);
  try {
    return await fn(createCore(db));
  } finally {
    await db.destroy();
  }
}

function program(done: (outcome: Promise<Outcome>) => void): Command {
  const cli = new Command('smsgw')
    .description('the legacy SMS web-service gateway')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError()
    .exitOverride();
  const run =
    (fn: (config: Config, ...args: string[]) => Promise<Outcome>) =>
    (...args: unknown[]) =>
      done(fn(loadConfig(), ...args.filter((a): a is string => typeof a === 'string')));

  cli
    .command('serve')
    .description('start the gateway (migrates first)')
    .action(
      run(async (config) => {
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
        return 'running';
      }),
    );

  cli
    .command('migrate')
    .description('run database migrations and exit')
    .action(
      run(async (config) => {
        console.error(`database: ${redactDatabaseUrl(config.databaseUrl)}`);
        const db = await openDatabase(config.databaseUrl);
        const names = (await db.query('SELECT name FROM migrations ORDER BY id')) as { name: string }[];
        await db.destroy();
        console.log(`migrations applied: ${names.map((r) => r.name).join(', ')}`);
        return 0;
      }),
    );

  cli
    .command('account:create')
    .description('create an account with N messages in each pool (PASSWORD is the plain password; callers send it BASE64)')
    .argument('<user>')
    .argument('<password>')
    .argument('[n]', 'messages in each pool', '0')
    .action(
      run((config, username, password, each) =>
        withCore(config, async (core) => {
          await core.accounts.create(username!, password!, { 0: each, 1: each, 2: each }, { retireDemo: true });
          console.log(`account ${username} created with ${each} messages in each pool`);
          return 0;
        }),
      ),
    );

  cli
    .command('account:topup')
    .description('add (or with a negative AMOUNT take) messages; POOL 0 卡发, 1 网关, 2 会员')
    .argument('<user>')
    .argument('<pool>')
    .argument('<amount>')
    .allowExcessArguments(false)
    .action(
      run((config, username, pool, amount) =>
        withCore(config, async (core) => {
          console.log(`remaining: ${await core.accounts.topUp(username!, pool, amount, 'cli')}`);
          return 0;
        }),
      ),
    );

  cli
    .command('account:route')
    .description("send USER's messages through these vendors in failover order ('' for the default route)")
    .argument('<user>')
    .argument('<vendors>', 'comma-separated vendor names from the configuration')
    .action(
      run(async (config, username, list) => {
        const route = list!
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);
        checkRoute(route, config.vendors.keys());
        return withCore(config, async (core) => {
          await core.accounts.setRoute(username!, route);
          console.log(
            route.length > 0 ? `account ${username} now sends through ${route.join(' → ')}` : `account ${username} uses the default route`,
          );
          return 0;
        });
      }),
    );

  cli
    .command('account:legacy-userid')
    .description("charge and report to USER the rows legacy SQL inserts with send.userid N ('none' removes the mapping)")
    .argument('<user>')
    .argument('<n>', 'the legacy userid, e.g. 1598 as PRO_DSFDXJK writes it, or none')
    .allowExcessArguments(false)
    .action(
      run((config, username, n) =>
        withCore(config, async (core) => {
          await core.accounts.setLegacyUserId(username!, n);
          console.log(n === 'none' ? `account ${username} has no legacy userid` : `legacy userid ${n} is now account ${username}`);
          return 0;
        }),
      ),
    );

  cli
    .command('account:sp-code')
    .description("the 企业编号 (SpCode) UMS callers of USER must give ('none': not checked)")
    .argument('<user>')
    .argument('<code>')
    .allowExcessArguments(false)
    .action(
      run((config, username, code) =>
        withCore(config, async (core) => {
          await core.accounts.setSpCode(username!, code!);
          console.log(code === 'none' ? `account ${username} has no 企业编号` : `account ${username} has 企业编号 ${code}`);
          return 0;
        }),
      ),
    );

  cli
    .command('account:push')
    .description(
      "push USER's delivery reports (mr: seed 000's MR GET) or replies (mo: its MO GET; ums-reply: the UMS XML POST) to URL ('none': USER fetches them)",
    )
    .argument('<user>')
    .argument('<kind>', 'mr, mo or ums-reply')
    .argument('<url>')
    .allowExcessArguments(false)
    .action(
      run((config, username, kind, url) =>
        withCore(config, async (core) => {
          await core.accounts.setPushUrl(username!, kind as 'mr' | 'mo' | 'ums-reply', url!);
          console.log(url === 'none' ? `account ${username} fetches its ${kind} again` : `account ${username}: ${kind} pushed to ${url}`);
          return 0;
        }),
      ),
    );

  cli
    .command('account:require-signature')
    .description("refuse USER's texts that carry no signature 【…】 (on), or send them as they are (off)")
    .argument('<user>')
    .argument('<on|off>')
    .allowExcessArguments(false)
    .action(
      run((config, username, onOff) => {
        if (onOff !== 'on' && onOff !== 'off') throw new AccountError(`say on or off, got ${JSON.stringify(onOff)}`, 'invalid');
        return withCore(config, async (core) => {
          await core.accounts.setRequireSignature(username!, onOff === 'on');
          console.log(`account ${username} ${onOff === 'on' ? 'must sign its texts 【…】' : 'may send unsigned texts'}`);
          return 0;
        });
      }),
    );

  cli
    .command('account:number-limits')
    .description(
      "at most COUNT messages to one number (and signature) in DURATION, per window: juhe (聚合数据's 1/30s,2/1m,3/30m), none, or e.g. 1/60s,5/1h; for verification codes (codes, the default) or every text (all)",
    )
    .argument('<user>')
    .argument('<limits>', 'juhe, none, or COUNT/DURATION[,…] with a unit s, m, h or d')
    .argument('[scope]', 'codes or all', 'codes')
    .allowExcessArguments(false)
    .action(
      run((config, username, limits, scope) =>
        withCore(config, async (core) => {
          const stored = await core.accounts.setNumberLimits(username!, limits!, scope);
          console.log(
            stored
              ? `account ${username}: per number at most ${describeWindows(stored)} (${scope === 'all' ? 'every text' : 'verification codes'})`
              : `account ${username} has no per-number limits`,
          );
          return 0;
        }),
      ),
    );

  cli
    .command('audit:words')
    .description('list the forbidden words (with the account a word belongs to, or * for every account)')
    .action(
      run((config) =>
        withCore(config, async (core) => {
          const words = await core.audit.listWords();
          for (const w of words) console.log(`${w.username ?? '*'}\t${w.word}`);
          if (words.length === 0) console.log('no forbidden words');
          return 0;
        }),
      ),
    );

  cli
    .command('audit:word:add')
    .description("forbid a word in every text (or only in USER's); it applies on every node within a second")
    .argument('<word>')
    .argument('[user]')
    .allowExcessArguments(false)
    .action(
      run((config, word, username) =>
        withCore(config, async (core) => {
          const added = await core.audit.addWord(word!, username);
          console.log(
            added ? `forbidden: ${word!.trim()}${username ? ` (account ${username})` : ''}` : `already forbidden: ${word!.trim()}`,
          );
          return 0;
        }),
      ),
    );

  cli
    .command('audit:word:remove')
    .description("allow a forbidden word again (for every account, or USER's own rule)")
    .argument('<word>')
    .argument('[user]')
    .allowExcessArguments(false)
    .action(
      run((config, word, username) =>
        withCore(config, async (core) => {
          const removed = await core.audit.removeWord(word!, username);
          console.log(removed ? `allowed again: ${word!.trim()}` : `not a forbidden word: ${word!.trim()}`);
          return removed ? 0 : 1;
        }),
      ),
    );

  cli
    .command('audit:check')
    .description('audit a text as a send would (for USER, if named): prints ok or why it would be refused')
    .argument('<content>')
    .argument('[user]')
    .allowExcessArguments(false)
    .action(
      run((config, content, username) =>
        withCore(config, async (core) => {
          const refusal = await core.audit.verdict(content!, username);
          console.log(refusal ? `refused: ${refusal.message}` : 'ok');
          return refusal ? 1 : 0;
        }),
      ),
    );

  cli
    .command('contract:check')
    .description('validate a contract folder (service.wsdl + contract.yaml) and print what it would serve, with sample answers')
    .argument('<dir>')
    .allowExcessArguments(false)
    .action((dir: string) => {
      // No configuration is read: a contract is checked on its own, before any gateway serves it.
      done(
        Promise.resolve().then(() => {
          console.log(describeContract(loadContract(dir)));
          return 0;
        }),
      );
    });

  cli
    .command('reply:inject')
    .description('queue an inbound reply as if a vendor received it')
    .argument('<mobile>')
    .argument('<content>')
    .argument('[user]', 'the account to queue it for; otherwise the last one that sent to MOBILE')
    .action(
      run((config, mobile, content, username) =>
        withCore(config, async (core) => {
          const outcome = await core.replies.record({ vendor: 'operator', mobile: mobile!, content: content!, username, at: new Date() });
          if (outcome.result === 'queued') console.log(`reply queued for ${outcome.reply.receiver}`);
          else console.log('no account found for this reply: it is kept unassigned (smsgw reply:unassigned); name a USER to queue it');
          return outcome.result === 'queued' ? 0 : 1;
        }),
      ),
    );

  cli
    .command('reply:unassigned')
    .description('list replies no account could be found for')
    .action(
      run((config) =>
        withCore(config, async (core) => {
          const replies = await core.replies.unassigned();
          for (const r of replies) console.log([r.id, r.receivedAt.toISOString(), r.vendor, r.mobile, r.extNo ?? '', r.content].join('\t'));
          if (replies.length === 0) console.log('no unassigned replies');
          return 0;
        }),
      ),
    );

  cli
    .command('vendor:balance')
    .description('ask a configured vendor for the balance of our account there')
    .argument('<name>')
    .action(
      run(async (config, name) => {
        const settings = config.vendors.get(name!);
        if (!settings) {
          console.error(`no vendor ${name} (configured: ${[...config.vendors.keys()].join(', ')})`);
          return 2;
        }
        const vendor = createVendors(new Map([[name!, settings]]), async () => undefined, createLogger('silent')).get(name!)!;
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
      }),
    );
  cli
    .command('vendor:templates')
    .description(
      "a template vendor's rules and fetched templates, in the order they are tried; with TEXT, the template and parameters it goes out as",
    )
    .argument('<name>')
    .argument('[text]')
    .action(
      run(async (config, name, text) => {
        const settings = config.vendors.get(name!);
        if (!settings) {
          console.error(`no vendor ${name} (configured: ${[...config.vendors.keys()].join(', ')})`);
          return 2;
        }
        const vendor = createVendors(new Map([[name!, settings]]), async () => undefined, createLogger('silent')).get(name!)!;
        try {
          if (!vendor.templates) {
            console.error(`vendor ${name} (${settings.type}) takes free text: it has no templates`);
            return 2;
          }
          const { book, list } = vendor.templates;
          const failed = await list?.ready;
          if (failed) console.error(`the template list was not fetched: ${failed.message}`);
          if (text === undefined) {
            for (const t of book.describe()) console.log(`${t.source}\t${t.template}\t${t.pattern}\t[${t.params.join(', ')}]`);
            return failed ? 1 : 0;
          }
          const match = book.match(text, null);
          const why = book.unsendable({ content: text, signature: null });
          if (!match || why) {
            console.log(`not sent to ${name}: ${why}`);
            return 1;
          }
          console.log(
            `${match.template} (${match.source}) ${JSON.stringify(Object.fromEntries(match.params))} signature ${match.signName}`,
          );
          return 0;
        } finally {
          await vendor.stop?.();
        }
      }),
    );
  return cli;
}

/** Stored windows (`1/30,2/60`) as an operator reads them: `1 in 30 s, 2 in 60 s`. */
function describeWindows(stored: string): string {
  return stored
    .split(',')
    .map((w) => `${w.replace('/', ' in ')} s`)
    .join(', ');
}

/** Runs the command line and settles on an exit code, every refusal one plain line on stderr. */
async function main(argv: string[]): Promise<Outcome> {
  let outcome: Promise<Outcome> = Promise.resolve(0);
  const cli = program((o) => {
    outcome = o;
  });
  try {
    cli.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
      return 2;
    }
    throw err;
  }
  if (argv.length === 0) {
    cli.outputHelp({ error: true });
    return 2;
  }
  return outcome;
}

main(process.argv.slice(2)).then(
  (outcome) => {
    if (outcome !== 'running') process.exit(outcome);
  },
  (err) => {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    if (err instanceof Failure) {
      console.error(err.message);
      process.exit(1);
    }
    if (err instanceof AccountError) {
      console.error(err.message);
      process.exit(err.kind === 'invalid' ? 2 : 1);
    }
    createLogger('error').error({ err }, 'smsgw failed');
    process.exit(1);
  },
);
