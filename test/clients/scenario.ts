/**
 * The userApi call sequence every real client of these contract tests goes through, with every
 * check on its answers. A *.test.ts checks its tools, then hands runUserApiScenario a build step
 * (generate the proxy or stub and compile it, or load the WSDL) and a way to call the client:
 *  - `call`: one call per client run (.NET, PHP, zeep; see commandCall);
 *  - `callMany`: several calls per client run (the Java clients, whose JVM is slow to start; see
 *    javaCalls in java.ts).
 * The scenario starts a gateway and a wire recorder in front of it (a failing step shows the exact
 * bytes it exchanged), runs the steps, and cleans up. Each step makes its calls first (one client
 * run for `callMany`), then checks the answers.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway';
import {
  describeRun,
  monoAbortedAfterMain,
  removeDir,
  run,
  startWireRecorder,
  stepper,
  tempDir,
  type RunOptions,
  type WireRecorder,
} from './run';

const USER = 'demo';
const PASSWORD = Buffer.from('demo123').toString('base64'); // ZGVtbzEyMw==
const WRONG_PASSWORD = Buffer.from('wrong-password').toString('base64');
const MOBILES = ['13800138000', '13900139000'];
const CONTENT = '验证码123456【测试】';
const SENDTIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+$/;
const BALANCE_AFTER_SEND = 'memberSmsNum=100000;gateSmsNum=99998;kaSmsNum=100000';
/** The reply the gateway's simulator receives; its content goes out as BASE64 of GBK. */
const REPLY = { mobile: '13800138000', content: '你谁啊?', contentBase64Gbk: 'xOPLrbChPw==' };

export type Op = 'sendSms' | 'getRestMoney' | 'getSmsReport' | 'getRecvSMS';
export type Arg = string | number;

/** One call of an operation. */
export interface Call {
  op: Op;
  args: Arg[];
}

/** Makes one call and returns the answer; throws (with the client's output) unless it is a string. */
export type CallOne = (op: Op, ...args: Arg[]) => Promise<string>;
/** Makes the calls in order, in one client run, say; one answer each. Throws like CallOne. */
export type CallMany = (calls: Call[]) => Promise<string[]>;

/** What a test's client gets to work with; the scenario removes it all afterwards. */
export interface ScenarioEnv {
  /** A fresh temporary directory. */
  dir: string;
  gw: TestGateway;
  /** Relays byte for byte to gw.serviceUrl: clients post to wire.url. */
  wire: WireRecorder;
}

export type ScenarioClient = {
  /** The name of the first step, and the step: generate and compile the client, or load the WSDL. */
  buildStep: string;
  build(): Promise<void>;
  /** Extra checks on the exact bytes exchanged by the calls of one step. */
  checkWire?(transcript: string): void;
} & ({ call: CallOne } | { callMany: CallMany });

/** BASE64 of the UTF-8 bytes of s: how the client programs take their arguments. */
export const b64 = (s: Arg): string => Buffer.from(String(s), 'utf8').toString('base64');

/**
 * A `call` through a client program that makes one call per run (dotnet/Main.cs, php/client.php,
 * zeep/client.py): `CMD LEADING... OP ARG...`, every ARG the BASE64 of its UTF-8 text (int
 * parameters as decimal text). The program prints the returned string as one stdout line
 * `RESULT <BASE64 of its UTF-8 bytes>` (`RESULT-NULL` for null) and exits 0.
 */
export function commandCall(cmd: string, leading: string[], opts: RunOptions = {}): CallOne {
  return async (op, ...args) => {
    const r = await run(cmd, [...leading, op, ...args.map(b64)], opts);
    const lines = r.stdout.toString('utf8').split(/\r?\n/);
    // The RESULT line is the program's last: after it, mono's teardown abort does not undo the call.
    const finished = r.code === 0 || (cmd === 'mono' && monoAbortedAfterMain(r));
    const line = finished ? lines.find((l) => l.startsWith('RESULT ')) : undefined;
    if (line) return Buffer.from(line.slice(7).trim(), 'base64').toString('utf8');
    const why = finished && lines.includes('RESULT-NULL') ? 'returned null' : 'did not return a string';
    throw new Error(`${op} ${why}\n${describeRun(r)}`);
  };
}

/**
 * The userApi sequence as dependent subtests of t, on a fresh gateway: build; sendSms to two
 * mobiles and with a wrong password, getRestMoney with both; then, once both delivery reports are
 * queued and a reply injected, getSmsReport twice, getRecvSMS twice and getRestMoney again.
 */
export async function runUserApiScenario(t: TestContext, tempPrefix: string, client: (env: ScenarioEnv) => ScenarioClient): Promise<void> {
  const dir = await tempDir(tempPrefix);
  const gw = await startTestGateway({ dialect: 'sqlite' });
  const wire = await startWireRecorder(gw.serviceUrl);
  try {
    await steps(t, gw, wire, client({ dir, gw, wire }));
  } finally {
    await wire.close();
    await gw.stop();
    await removeDir(dir);
  }
}

const sendSms = (password: string, mobiles: string): Call => ({ op: 'sendSms', args: [USER, password, 1, CONTENT, mobiles, 0] });
const query = (op: Exclude<Op, 'sendSms'>, password = PASSWORD): Call => ({ op, args: [USER, password] });

async function steps(t: TestContext, gw: TestGateway, wire: WireRecorder, client: ScenarioClient): Promise<void> {
  const step = stepper(t, wire);
  const callMany: CallMany =
    'callMany' in client
      ? client.callMany
      : async (calls) => {
          const answers: string[] = [];
          for (const c of calls) answers.push(await client.call(c.op, ...c.args));
          return answers;
        };
  const answers = async (...calls: Call[]): Promise<string[]> => {
    const mark = wire.mark();
    const got = await callMany(calls);
    assert.equal(got.length, calls.length, 'one answer per call');
    client.checkWire?.(wire.transcript(mark));
    return got;
  };

  await step(client.buildStep, () => client.build());

  let batchId = '';
  await step(
    'sendSms to two mobiles answers success;<20-digit batch id> and takes two from the gate pool; a wrong password answers failure; and charges nothing',
    async () => {
      const [sent, wrongSend, wrongMoney, money] = await answers(
        sendSms(PASSWORD, MOBILES.join(',')),
        sendSms(WRONG_PASSWORD, MOBILES[0]),
        query('getRestMoney', WRONG_PASSWORD),
        query('getRestMoney'),
      );
      assert.match(sent, /^success;\d{20}$/);
      batchId = sent.slice('success;'.length);
      assert.match(wrongSend, /^failure;/, 'sendSms with a wrong password');
      assert.match(wrongMoney, /^failure;/, 'getRestMoney with a wrong password');
      assert.equal(money, BALANCE_AFTER_SEND);
    },
  );

  await step('getSmsReport hands out both delivery reports once, getRecvSMS the reply once (content BASE64 of GBK)', async () => {
    await gw.waitForReports(2);
    await gw.injectReply({ mobile: REPLY.mobile, content: REPLY.content, username: USER });
    const [reports, reportsAgain, recv, recvAgain, moneyAfter] = await answers(
      query('getSmsReport'),
      query('getSmsReport'),
      query('getRecvSMS'),
      query('getRecvSMS'),
      query('getRestMoney'),
    );

    assert.match(reports, /^<\?xml[^>]*\?>\s*<smsreport[\s>]/);
    const rs = records(reports, 'psreport');
    assert.equal(rs.length, 2, `two psreport expected in ${reports}`);
    assert.deepEqual(rs.map((r) => r.mobile).sort(), [...MOBILES].sort());
    for (const r of rs) {
      assert.equal(r.username, USER);
      assert.equal(r.smslogid, batchId);
      assert.equal(r.status, '1');
      assert.match(r.sendtime ?? '', SENDTIME);
    }
    assert.match(reportsAgain, /<smsreport[\s>/]/);
    assert.doesNotMatch(reportsAgain, /<psreport[\s>/]/, `no report expected the second time: ${reportsAgain}`);

    assert.match(recv, /<smsrerecv[\s>]/);
    const replies = records(recv, 'psrerecv');
    assert.equal(replies.length, 1, `one psrerecv expected in ${recv}`);
    assert.equal(replies[0].mobile, REPLY.mobile);
    assert.equal(replies[0].receiver, USER);
    assert.equal(replies[0].content, REPLY.contentBase64Gbk);
    assert.ok('sendtime' in replies[0], `psrerecv without sendtime in ${recv}`);
    assert.match(recvAgain, /<smsrerecv[\s>/]/);
    assert.doesNotMatch(recvAgain, /<psrerecv[\s>/]/, `no reply expected the second time: ${recvAgain}`);

    assert.equal(moneyAfter, BALANCE_AFTER_SEND, 'getRestMoney at the end');
  });
}

/** The <tag>...</tag> elements of an XML string, each as a map of its simple child elements (<x/> as ''). */
function records(xml: string, tag: string): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const m of xml.matchAll(new RegExp(`<${tag}\\s*>([\\s\\S]*?)</${tag}\\s*>`, 'g'))) {
    const fields: Record<string, string> = {};
    for (const f of m[1].matchAll(/<(\w+)\s*>([^<]*)<\/\1\s*>/g)) fields[f[1]] = f[2];
    for (const f of m[1].matchAll(/<(\w+)\s*\/>/g)) fields[f[1]] = '';
    out.push(fields);
  }
  return out;
}
