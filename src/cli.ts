import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { Report } from '../entities';
import { sendTestMessage } from './admin/testSend';
import { accountView, configView, outboxStats, reportView, vendorViews } from './admin/views';
import { servedContracts } from './app';
import { type Config, loadConfig, redactDatabaseUrl } from './config';
import { ConfigError } from './configError';
import { describeContract } from './contracts/check';
import { loadContract } from './contracts/contract';
import { ConsoleQueries } from './console/queries';
import { AccountError, checkRoute, type Pool } from './core/accounts';
import { Failure } from './core/failures';
import { type Core, createCore } from './core';
import { openDatabase } from './db/datasource';
import { startGateway } from './gateway';
import { createLogger } from './logger';
import { WSDL_DIR } from './paths';
import { createVendors } from './vendors';
import type { VendorConfig } from './vendors/config';
import type { Vendor } from './vendors/types';

const ENVIRONMENT_HELP = `
Configuration comes from the environment (PORT, DATABASE_URL, PUBLIC_URL, ADMIN_TOKEN, VENDORS, …) and,
for vendors and routes, the file GATEWAY_CONFIG names (see README.md and docs/vendors.md). Commands that
use the database must be given the gateway's DATABASE_URL; they print which database they used.`;

/** The process's exit code; a running server (serve) keeps the process alive instead. */
type Outcome = number | 'running';

/** Opens the configured database, says which one on stderr, runs fn and closes it. */
async function withCore(config: Config, fn: (core: Core, db: DataSource) => Promise<number>): Promise<number> {
  console.error(`database: ${redactDatabaseUrl(config.databaseUrl)}`);
  const db = await openDatabase(config.databaseUrl);
  try {
    return await fn(createCore(db), db);
  } finally {
    await db.destroy();
  }
}

/** The options of a command; `json` where it lists or shows things. */
interface Options {
  json?: boolean;
  [option: string]: unknown;
}

/** Prints a command's answer: the JSON object with --json, else the lines people read. */
function answer(opts: Options, json: unknown, lines: () => string[]): void {
  if (opts.json) console.log(JSON.stringify(json, null, 2));
  else for (const line of lines()) console.log(line);
}

/** A whole-number option from min to max, refused by commander with the option's name otherwise. */
const wholeNumber = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new InvalidArgumentError(`give a whole number from ${min} to ${max}`);
  return n;
};

/** Each configured vendor's adapter, made for one call from the command line and stopped after it. */
async function withVendor<T>(
  config: Config,
  name: string,
  fn: (vendor: Vendor, settings: VendorConfig) => Promise<T>,
): Promise<T | number> {
  const settings = config.vendors.get(name);
  if (!settings) {
    console.error(`no vendor ${name} (configured: ${[...config.vendors.keys()].join(', ')})`);
    return 2;
  }
  const vendor = createVendors(new Map([[name, settings]]), async () => undefined, createLogger('silent')).get(name)!;
  try {
    return await fn(vendor, settings);
  } finally {
    await vendor.stop?.();
  }
}

const FOLLOW_POLL_MS = 1000;

function program(done: (outcome: Promise<Outcome>) => void): Command {
  const cli = new Command('smsgw')
    .description('the legacy SMS web-service gateway')
    .addHelpText('after', ENVIRONMENT_HELP)
    .showHelpAfterError()
    .exitOverride();
  /** An action on the configuration, the command's string arguments and its options. */
  const act =
    (fn: (config: Config, opts: Options, ...args: string[]) => Promise<Outcome>) =>
    (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      done(Promise.resolve().then(() => fn(loadConfig(), command.opts(), ...args.filter((a): a is string => typeof a === 'string'))));
    };
  const run = (fn: (config: Config, ...args: string[]) => Promise<Outcome>) => act((config, _opts, ...args) => fn(config, ...args));
  /**
   * One operation under each of its names: the nested form (`account create`) and, where operators'
   * scripts already call it, the colon form (`account:create`), both built by the same function.
   */
  const define = (commands: Command[], build: (command: Command) => Command) => {
    for (const command of commands) build(command.exitOverride());
  };
  const group = (name: string, description: string) => cli.command(name).description(description).exitOverride();
  const account = group('account', 'accounts: create, list, show, top up, route, password, IP allow-list, extension number, 企业编号, …');
  const audit = group('audit', 'the audit of texts: forbidden words, and how a text would fare');
  const words = audit.command('words').description('the forbidden words: list, add, remove').exitOverride();
  const config = group('config', 'the configuration');
  const vendors = group('vendors', 'the configured vendors: list, balance, templates');
  const contracts = group('contracts', 'the legacy contracts: those served, and checking a contract folder');
  const reply = group('reply', 'inbound replies: inject one, list those no account was found for');
  const reports = group('reports', 'delivery reports queued for the accounts');
  const outbox = group('outbox', 'the send table as the dispatcher sees it');

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

  config
    .command('check')
    .description('validate the configuration (the environment and the GATEWAY_CONFIG file) and print it without secrets')
    .option('--json', 'print it as JSON')
    .action(
      act(async (cfg, opts) => {
        const view = configView(cfg);
        answer(opts, view, () => [
          `configuration ok${cfg.configFile ? ` (${cfg.configFile})` : ''}`,
          ...Object.entries(view).map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
        ]);
        return 0;
      }),
    );

  define([account.command('create'), cli.command('account:create')], (c) =>
    c
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
      ));

  account
    .command('list')
    .description('every account with its balances (卡发 card, 网关 gateway, 会员 member) and route')
    .option('--json', 'print them as JSON')
    .action(
      act((config, opts) =>
        withCore(config, async (core) => {
          const views = (await core.accounts.list()).map(accountView);
          answer(opts, views, () =>
            views.length === 0
              ? ['no accounts']
              : [
                  'username\tenabled\tcard\tgateway\tmember\troute',
                  ...views.map((a) =>
                    [
                      a.username,
                      a.enabled ? 'yes' : 'no',
                      a.balances.card,
                      a.balances.gateway,
                      a.balances.member,
                      a.route.join(',') || '(default)',
                    ].join('\t'),
                  ),
                ],
          );
          return 0;
        }),
      ),
    );

  account
    .command('show')
    .description("one account's settings and its latest ledger lines (top-ups and charges)")
    .argument('<user>')
    .option('--json', 'print it as JSON')
    .action(
      act((config, opts, username) =>
        withCore(config, async (core, db) => {
          const found = await core.accounts.get(username!);
          const view = { ...accountView(found), ledger: await new ConsoleQueries(db).ledger(found.id) };
          answer(opts, view, () => [
            ...Object.entries(view)
              .filter(([key]) => key !== 'ledger')
              .map(
                ([key, value]) =>
                  `${key}: ${value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value)}`,
              ),
            'ledger (newest first): time\tpool\tamount\tremaining\tbusiness\toperator',
            ...view.ledger.map((l) => [l.createdAt.toISOString(), l.pool, l.amount, l.remaining, l.business, l.operator].join('\t')),
          ]);
          return 0;
        }),
      ),
    );

  define([account.command('topup'), cli.command('account:topup')], (c) =>
    c
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
      ));

  define([account.command('route'), cli.command('account:route')], (c) =>
    c
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
              route.length > 0
                ? `account ${username} now sends through ${route.join(' → ')}`
                : `account ${username} uses the default route`,
            );
            return 0;
          });
        }),
      ));

  account
    .command('password')
    .description("set USER's password (the plain password; callers send it BASE64); the old one stops working at once")
    .argument('<user>')
    .argument('<password>')
    .allowExcessArguments(false)
    .action(
      run((config, username, password) =>
        withCore(config, async (core) => {
          await core.accounts.setPassword(username!, password!);
          console.log(`account ${username} has a new password`);
          return 0;
        }),
      ),
    );

  account
    .command('allow-ip')
    .description("the caller addresses USER's calls may come from ('none': any address)")
    .argument('<user>')
    .argument('<ips>', 'comma-separated IPv4 or IPv6 addresses, or none')
    .allowExcessArguments(false)
    .action(
      run((config, username, ips) =>
        withCore(config, async (core) => {
          const stored = await core.accounts.setIpAllow(username!, ips!);
          console.log(stored ? `account ${username} answers calls from ${stored}` : `account ${username} answers calls from any address`);
          return 0;
        }),
      ),
    );

  account
    .command('extno')
    .description("the extension number (扩展号) appended to USER's sender number; replies to it are USER's ('none': none)")
    .argument('<user>')
    .argument('<extno>', 'digits, or none')
    .allowExcessArguments(false)
    .action(
      run((config, username, extNo) =>
        withCore(config, async (core) => {
          const stored = await core.accounts.setExtNo(username!, extNo!);
          console.log(stored ? `account ${username} has extension number ${stored}` : `account ${username} has no extension number`);
          return 0;
        }),
      ),
    );

  define([account.command('spcode'), cli.command('account:sp-code')], (c) =>
    c
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
      ));

  define([account.command('legacy-userid'), cli.command('account:legacy-userid')], (c) =>
    c
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
      ));

  define([account.command('push'), cli.command('account:push')], (c) =>
    c
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
      ));

  define([account.command('require-signature'), cli.command('account:require-signature')], (c) =>
    c
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
      ));

  define([account.command('number-limits'), cli.command('account:number-limits')], (c) =>
    c
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
      ));

  define([words.command('list'), cli.command('audit:words')], (c) =>
    c
      .description('list the forbidden words (with the account a word belongs to, or * for every account)')
      .option('--json', 'print them as JSON')
      .action(
        act((config, opts) =>
          withCore(config, async (core) => {
            const list = await core.audit.listWords();
            answer(opts, list, () => (list.length === 0 ? ['no forbidden words'] : list.map((w) => `${w.username ?? '*'}\t${w.word}`)));
            return 0;
          }),
        ),
      ));

  define([words.command('add'), cli.command('audit:word:add')], (c) =>
    c
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
      ));

  define([words.command('remove'), cli.command('audit:word:remove')], (c) =>
    c
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
      ));

  define([audit.command('check'), cli.command('audit:check')], (c) =>
    c
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
      ));

  cli
    .command('send')
    .description(
      "send a test message through the full path: accepted for USER as a caller's would be (audited, charged, stored), dispatched by the running gateway, and waited for until its report",
    )
    .argument('<user>')
    .argument('<mobile>', 'one number, or several comma-separated')
    .argument('<content>')
    .option('--pool <n>', 'the balance pool: 0 卡发, 1 网关, 2 会员', wholeNumber(0, 2), 1)
    .option('--timeout <seconds>', 'how long to wait for the reports', wholeNumber(1, 86_400), 60)
    .option('--json', 'print the outcome as JSON')
    .allowExcessArguments(false)
    .action(
      act((config, opts, username, mobile, content) =>
        withCore(config, async (core, db) => {
          const sent = await sendTestMessage(core, db, {
            username: username!,
            mobiles: mobile!,
            content: content!,
            pool: opts.pool as Pool,
            waitMs: (opts.timeout as number) * 1000,
            hostname: hostname(),
            onAccepted: (a) => console.error(`accepted: batch ${a.batchId}, ${a.accepted} message(s), charged ${a.charged}`),
          });
          const { complete, ...outcome } = sent;
          answer(opts, outcome, () =>
            sent.messages.map(
              (o) =>
                `${sent.batchId}\t${o.mobile}\t${o.status}${o.vendor ? ` via ${o.vendor}` : ''}${o.code ? ` (${o.code})` : ''}${o.error ? `: ${o.error}` : ''}\tafter ${sent.seconds.toFixed(1)} s`,
            ),
          );
          if (!complete)
            console.error(
              `no final report within ${opts.timeout} s: is a gateway (smsgw serve) running on this database, with a vendor that reports?`,
            );
          return sent.delivered ? 0 : 1;
        }),
      ),
    );

  reports
    .command('tail')
    .description('the latest delivery reports of every account, oldest first (reading them hands nothing out: accounts still fetch them)')
    .option('--limit <n>', 'how many', wholeNumber(1, 1000), 20)
    .option('--follow', 'keep printing reports as they are queued, until interrupted')
    .option('--json', 'print each report as a line of JSON')
    .action(
      act((config, opts) =>
        withCore(config, async (core, db) => {
          const queries = new ConsoleQueries(db);
          let usernames = await queries.usernames();
          const print = (batch: Report[]) => {
            for (const r of [...batch].reverse()) {
              const view = reportView(r, usernames);
              console.log(
                opts.json
                  ? JSON.stringify(view)
                  : [
                      view.reportTime.toISOString(),
                      view.username ?? '',
                      view.batchId ?? '',
                      view.mobile,
                      view.status,
                      view.code ?? '',
                    ].join('\t'),
              );
            }
          };
          let batch = await core.reports.latest(opts.limit as number);
          if (batch.length === 0 && !opts.json) console.error('no reports queued');
          print(batch);
          let lastId = batch[0]?.id ?? 0;
          while (opts.follow) {
            await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
            batch = await core.reports.latest(1000, lastId);
            if (batch.length === 0) continue;
            usernames = await queries.usernames();
            print(batch);
            lastId = batch[0]!.id;
          }
          return 0;
        }),
      ),
    );

  outbox
    .command('stats')
    .description("rows waiting, leased by a dispatcher, scheduled, sent and awaiting their report, final; the oldest waiting row's age")
    .option('--json', 'print them as JSON')
    .action(
      act((config, opts) =>
        withCore(config, async (_core, db) => {
          const stats = await outboxStats(db);
          answer(opts, stats, () => [
            `waiting: ${stats.waiting}`,
            `leased: ${stats.leased}`,
            `scheduled: ${stats.scheduled}`,
            `awaiting report: ${stats.awaitingReport}`,
            `delivered: ${stats.delivered}`,
            `failed: ${stats.failed}`,
            `oldest waiting: ${stats.oldestWaitingSeconds === null ? 'none' : `${stats.oldestWaitingSeconds} s`}`,
          ]);
          return 0;
        }),
      ),
    );

  vendors
    .command('list')
    .description('the configured vendors: type, place in the default route, settings without secrets')
    .option('--json', 'print them as JSON')
    .action(
      act(async (config, opts) => {
        const views = vendorViews(config.vendors, config.route);
        answer(opts, views, () =>
          views.map(
            (v) =>
              `${v.vendor}\t${v.type}\t${v.defaultRoutePosition ? `default route #${v.defaultRoutePosition}` : 'not in the default route'}\t${JSON.stringify(v.settings)}`,
          ),
        );
        return 0;
      }),
    );

  define([vendors.command('balance'), cli.command('vendor:balance')], (c) =>
    c
      .description('ask a configured vendor for the balance of our account there')
      .argument('<name>')
      .option('--json', 'print it as JSON')
      .action(
        act((config, opts, name) =>
          withVendor(config, name!, async (vendor, settings) => {
            if (!vendor.balance) {
              console.error(`vendor ${name} (${settings.type}) has no balance call`);
              return 2;
            }
            // A refusal (a wrong password, an unreachable URL) is the operator's to fix: one line, no stack.
            const asked = await vendor.balance().catch((err: Error) => err);
            if (asked instanceof Error) {
              console.error(
                `vendor ${name} gave no balance: ${asked.message} (check its url, username and password in ${config.configFile})`,
              );
              return 1;
            }
            const { balance, raw } = asked;
            answer(opts, { vendor: name, balance, raw }, () => [`${name}: ${balance} (the vendor answered ${JSON.stringify(raw)})`]);
            return 0;
          }),
        ),
      ));

  define([vendors.command('templates'), cli.command('vendor:templates')], (c) =>
    c
      .description(
        "a template vendor's rules and fetched templates, in the order they are tried; with TEXT, the template and parameters it goes out as",
      )
      .argument('<name>')
      .argument('[text]')
      .action(
        run((config, name, text) =>
          withVendor(config, name!, async (vendor, settings) => {
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
          }),
        ),
      ));

  contracts
    .command('list')
    .description('the contracts this configuration serves: the built-in ones and those of GATEWAY_CONFIG, with their paths and operations')
    .option('--json', 'print them as JSON')
    .action(
      act((config, opts) =>
        withCore(config, async (core) => {
          const views = servedContracts({
            core,
            wsdlDir: WSDL_DIR,
            config,
            log: createLogger('silent'),
          });
          answer(opts, views, () => views.map((v) => `${v.name}\t${v.paths.join(' ')}\t${v.operations.join(', ')}`));
          return 0;
        }),
      ),
    );

  define([contracts.command('check'), cli.command('contract:check')], (c) =>
    c
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
      }));

  define([reply.command('inject'), cli.command('reply:inject')], (c) =>
    c
      .description('queue an inbound reply as if a vendor received it')
      .argument('<mobile>')
      .argument('<content>')
      .argument('[user]', 'the account to queue it for; otherwise the last one that sent to MOBILE')
      .action(
        run((config, mobile, content, username) =>
          withCore(config, async (core) => {
            const outcome = await core.replies.record({ vendor: 'operator', mobile: mobile!, content: content!, username, at: new Date() });
            if (outcome.result === 'queued') console.log(`reply queued for ${outcome.reply.receiver}`);
            else console.log('no account found for this reply: it is kept unassigned (smsgw reply unassigned); name a USER to queue it');
            return outcome.result === 'queued' ? 0 : 1;
          }),
        ),
      ));

  define([reply.command('unassigned'), cli.command('reply:unassigned')], (c) =>
    c
      .description('list replies no account could be found for')
      .option('--json', 'print them as JSON')
      .action(
        act((config, opts) =>
          withCore(config, async (core) => {
            const replies = await core.replies.unassigned();
            answer(opts, replies, () =>
              replies.length === 0
                ? ['no unassigned replies']
                : replies.map((r) => [r.id, r.receivedAt.toISOString(), r.vendor, r.mobile, r.extNo ?? '', r.content].join('\t')),
            );
            return 0;
          }),
        ),
      ));
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
