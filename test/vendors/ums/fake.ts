/**
 * A fake 一信通 UMS platform, written from the manual (seed 000, 2.1 HTTP interface), with the
 * result codes the seed lost taken from public UMS manuals:
 *
 * - `POST /sms/Api/Send.do`: SpCode, LoginName, Password, MessageContent, UserNumber (comma list),
 *   SerialNumber (20 digits, unique), ScheduleTime, ExtendAccessNum, f — GB2312, URL-encoded.
 *   Answers `result=…&description=…&faillist=…` with URL-encoded GB2312 values.
 * - `POST /sms/Api/SearchNumber.do`: SpCode, LoginName, Password → `result=0&description=…&number=…`.
 * - Receipts: text files `arrive_…` on its FTP server, one receipt a line, tab-separated KEY=VALUE
 *   (SPID, MESSAGEID, ID = the SerialNumber, CALLMDN, MDN, RESULT, DESC, ARRIVE_TIME).
 * - Replies: it POSTs `<packet><reply><mdn/><callmdn/><msg/><replytime/></reply></packet>` to our URL
 *   and expects `<returncode>0</returncode>`.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { FileSystem, FtpSrv } from 'ftp-srv';
import iconv from 'iconv-lite';
import { chinaTime, formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

export const FAKE_ACCOUNT = {
  spCode: '200097',
  loginName: 'admin',
  password: 'p@ss&word 1',
  ftpUser: 'umsftp',
  ftpPassword: 'ftp-secret',
  /** Where the platform drops receipt files, inside the FTP root. */
  ftpDir: 'receipts',
  /** Our access number (接入号); the account's extension follows it in CALLMDN / callmdn. */
  accessNumber: '1065712',
} as const;

/** Words the platform refuses (result 7). */
export const FORBIDDEN_WORDS = ['赌博'];

export type FakeMode = 'normal' | 'timeout' | 'busy' | 'http500';

export interface AcceptedRequest {
  serial: string;
  numbers: string[];
  content: string;
  ext: string;
}

export interface UmsReply {
  mdn: string;
  callmdn: string;
  msg: string;
  replytime: string;
}

/** GB2312 (CP936, as the platform's servers read it) bytes, percent-encoded. */
export function gbEncode(text: string): string {
  let out = '';
  for (const byte of iconv.encode(text, 'gb2312')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.*]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The platform reading a form body: percent-escapes are GB2312 bytes, '+' is a space. */
export function gbDecodeForm(raw: string): Map<string, string> {
  const decode = (s: string) => iconv.decode(percentBytes(s), 'gb2312');
  return new Map(formPairs(raw).map(([k, v]) => [decode(k), decode(v)]));
}

/** The raw (still percent-encoded) value of each parameter of a form body, as it came over the wire. */
export function rawParams(body: Buffer): Map<string, string> {
  return new Map(formPairs(body.toString('latin1')));
}

function answer(res: ServerResponse, fields: [string, string][]): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'text/html');
  res.end(fields.map(([k, v]) => `${k}=${gbEncode(v)}`).join('&'));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const silentLog = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return silentLog;
  },
};

export interface UmsFake {
  url: string;
  ftpPort: number;
  /** The FTP root on disk; receipt files are in join(root, FAKE_ACCOUNT.ftpDir). */
  root: string;
  received: ReceivedRequest[];
  /** Send.do requests as the platform decoded them. */
  sends(): Map<string, string>[];
  accepted: AcceptedRequest[];
  mode: FakeMode;
  /** How long a 'timeout' answer takes. */
  delayMs: number;
  /** Send.do requests whose text contains this answer as in 'timeout' mode. */
  hangOn: string | null;
  /** Numbers the carrier does not deliver to: their receipts say RESULT=1, DESC=UNDELIV. */
  undelivered: Set<string>;
  /** Numbers the platform lists in faillist (invalid, or not in its number ranges). */
  invalid: Set<string>;
  /** Messages left on the account (SearchNumber.do); each accepted number takes one. */
  balance: number;
  /** Write receipt files when a request is accepted (off: tests write them with writeReceipts). */
  autoReceipts: boolean;
  /** FTP commands seen, e.g. `RETR arrive_…`, `DELE arrive_…`, `LIST`. */
  ftpLog: string[];
  /** Faults to inject: how many of the next RETR / DELE fail. */
  faults: { read: number; delete: number };
  /**
   * Called before the FTP server lists a directory and after it has sent a file: lets a test play
   * a platform still writing a receipt file while the gateway polls.
   */
  whileWriting: (() => void) | null;
  /** The receipt lines the platform would write for an accepted request. */
  receiptLines(request: AcceptedRequest): string[];
  /** Drops a receipt file into the FTP directory, as the platform does; returns its name. */
  writeReceipts(lines: string[], name?: string): string;
  /** Adds lines to a receipt file (creating it when it is gone). */
  appendReceipts(name: string, lines: string[]): void;
  /** Receipt files still waiting in the FTP directory. */
  receiptFiles(): string[];
  /** Files in a sub-directory of the receipt directory (e.g. a done folder). */
  filesIn(subdir: string): string[];
  /** The platform pushing replies to our URL, GB2312, with or without an XML declaration. */
  pushReply(
    url: string,
    replies: UmsReply[],
    options?: { declaration?: boolean; body?: Buffer },
  ): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

export async function startUmsFake(): Promise<UmsFake> {
  const root = mkdtempSync(join(tmpdir(), 'ums-ftp-'));
  const dropDir = join(root, FAKE_ACCOUNT.ftpDir);
  mkdirSync(dropDir);
  const seenSerials = new Set<string>();
  let fileSeq = 0;

  const fake: UmsFake = {
    url: '',
    ftpPort: 0,
    root,
    received: [],
    sends: () => fake.received.filter((r) => r.path === '/sms/Api/Send.do').map((r) => gbDecodeForm(r.body.toString('latin1'))),
    accepted: [],
    mode: 'normal',
    delayMs: 1500,
    hangOn: null,
    undelivered: new Set(),
    invalid: new Set(),
    balance: 5000,
    autoReceipts: true,
    ftpLog: [],
    faults: { read: 0, delete: 0 },
    whileWriting: null,
    receiptLines: (request) =>
      request.numbers.map((mdn) => {
        const failed = fake.undelivered.has(mdn);
        return [
          `SPID=${FAKE_ACCOUNT.spCode}`,
          `MESSAGEID=${randomBytes(4).toString('hex')}`,
          `ID=${request.serial}`,
          `CALLMDN=${FAKE_ACCOUNT.accessNumber}${request.ext}`,
          `MDN=${mdn}`,
          `RESULT=${failed ? 1 : 0}`,
          `DESC=${failed ? 'UNDELIV' : 'DELIVRD'}`,
          `ARRIVE_TIME=${chinaTime()}`,
        ].join('\t');
      }),
    writeReceipts(lines, name) {
      fileSeq++;
      const file = name ?? `arrive_${FAKE_ACCOUNT.spCode}_${25288 + fileSeq}_${randomBytes(2).toString('hex').slice(0, 3)}_${fileSeq}`;
      writeFileSync(join(dropDir, file), iconv.encode(`${lines.join('\r\n')}\r\n`, 'gb2312'));
      return file;
    },
    appendReceipts(name, lines) {
      appendFileSync(join(dropDir, name), iconv.encode(`${lines.join('\r\n')}\r\n`, 'gb2312'));
    },
    receiptFiles: () =>
      readdirSync(dropDir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name),
    filesIn: (subdir) => {
      try {
        return readdirSync(join(dropDir, subdir));
      } catch {
        return [];
      }
    },
    async pushReply(url, replies, options = {}) {
      const xml =
        (options.declaration ? '<?xml version="1.0" encoding="GB2312"?>' : '') +
        `<packet>${replies
          .map(
            (r) =>
              `<reply><mdn>${r.mdn}</mdn><callmdn>${r.callmdn}</callmdn><msg>${r.msg}</msg><replytime>${r.replytime}</replytime></reply>`,
          )
          .join('')}</packet>`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: options.body ?? iconv.encode(xml, 'gb2312'),
      });
      return { status: res.status, body: await res.text() };
    },
    stop: async () => {},
  };

  const http = await startFakeServer(async (req, res) => {
    const params = gbDecodeForm(req.body.toString('latin1'));
    const authFailure = (): [string, string][] | null => {
      if (params.get('SpCode') !== FAKE_ACCOUNT.spCode)
        return [
          ['result', '2'],
          ['description', '账号无效或未开户'],
        ];
      if (params.get('LoginName') !== FAKE_ACCOUNT.loginName || params.get('Password') !== FAKE_ACCOUNT.password)
        return [
          ['result', '3'],
          ['description', '账号密码错误'],
        ];
      return null;
    };
    if (req.method !== 'POST' || (req.path !== '/sms/Api/Send.do' && req.path !== '/sms/Api/SearchNumber.do')) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    if (fake.mode === 'timeout' || (fake.hangOn && params.get('MessageContent')?.includes(fake.hangOn))) {
      await new Promise((r) => setTimeout(r, fake.delayMs));
      res.statusCode = 504;
      res.end();
      return;
    }
    if (fake.mode === 'http500') {
      res.statusCode = 500;
      res.end('Internal Server Error');
      return;
    }
    if (req.path === '/sms/Api/SearchNumber.do') {
      const refused = authFailure();
      if (refused) return answer(res, refused);
      return answer(res, [
        ['result', '0'],
        ['description', '查询成功'],
        ['number', String(fake.balance)],
      ]);
    }
    if (fake.mode === 'busy')
      return answer(res, [
        ['result', '20'],
        ['description', '系统错误'],
        ['faillist', ''],
      ]);
    const refused = authFailure();
    if (refused) return answer(res, [...refused, ['faillist', '']]);
    const content = params.get('MessageContent') ?? '';
    const numbers = (params.get('UserNumber') ?? '').split(',').filter(Boolean);
    const serial = params.get('SerialNumber') ?? '';
    if (!content || numbers.length === 0)
      return answer(res, [
        ['result', '1'],
        ['description', '提交参数不能为空'],
        ['faillist', ''],
      ]);
    if (!/^\d{20}$/.test(serial))
      return answer(res, [
        ['result', '14'],
        ['description', '流水号格式不正确'],
        ['faillist', ''],
      ]);
    if (seenSerials.has(serial))
      return answer(res, [
        ['result', '15'],
        ['description', '流水号重复'],
        ['faillist', ''],
      ]);
    if (FORBIDDEN_WORDS.some((w) => content.includes(w)))
      return answer(res, [
        ['result', '7'],
        ['description', '内容中含有非法关键字'],
        ['faillist', ''],
      ]);
    if (numbers.length > 1000)
      return answer(res, [
        ['result', '9'],
        ['description', '接受号码过多，最大1000'],
        ['faillist', ''],
      ]);
    const invalid = numbers.filter((n) => !/^1\d{10}$/.test(n) || fake.invalid.has(n));
    const valid = numbers.filter((n) => !invalid.includes(n));
    // f=1: the valid numbers go out, the invalid ones are listed; otherwise one invalid number stops them all.
    if (invalid.length > 0 && (params.get('f') !== '1' || valid.length === 0)) {
      return answer(res, [
        ['result', '6'],
        ['description', '号码中含有无效号码或不在规定的号段'],
        ['faillist', (params.get('f') === '1' ? invalid : numbers).join(',')],
      ]);
    }
    if (fake.balance < valid.length)
      return answer(res, [
        ['result', '17'],
        ['description', '余额不足'],
        ['faillist', ''],
      ]);
    seenSerials.add(serial);
    fake.balance -= valid.length;
    const accepted: AcceptedRequest = { serial, numbers: valid, content, ext: params.get('ExtendAccessNum') ?? '' };
    fake.accepted.push(accepted);
    if (fake.autoReceipts) fake.writeReceipts(fake.receiptLines(accepted));
    return answer(res, [
      ['result', '0'],
      ['description', '发送成功'],
      ['faillist', invalid.join(',')],
    ]);
  });
  fake.url = http.url;
  fake.received = http.received;

  class PlatformFs extends FileSystem {
    override list(path?: string) {
      fake.ftpLog.push('LIST');
      fake.whileWriting?.();
      return super.list(path);
    }
    override read(fileName: string, options?: { start?: unknown }) {
      fake.ftpLog.push(`RETR ${fileName}`);
      if (fake.faults.read > 0) {
        fake.faults.read--;
        return Promise.reject(new Error('read fault injected'));
      }
      return super.read(fileName, options).then((file: { stream: NodeJS.ReadableStream }) => {
        file.stream.once('end', () => fake.whileWriting?.());
        return file;
      });
    }
    override delete(path: string) {
      fake.ftpLog.push(`DELE ${path}`);
      if (fake.faults.delete > 0) {
        fake.faults.delete--;
        return Promise.reject(new Error('delete fault injected'));
      }
      return super.delete(path);
    }
    override rename(from: string, to: string) {
      fake.ftpLog.push(`RNTO ${from} ${to}`);
      return super.rename(from, to);
    }
  }

  const ftpPort = await freePort();
  const pasvMin = await freePort();
  const signalsBefore = new Map((['SIGTERM', 'SIGINT', 'SIGQUIT'] as const).map((s) => [s, new Set(process.listeners(s))]));
  const ftp = new FtpSrv({
    url: `ftp://127.0.0.1:${ftpPort}`,
    pasv_url: '127.0.0.1',
    pasv_min: pasvMin,
    pasv_max: pasvMin + 50,
    anonymous: false,
    log: silentLog,
  });
  // ftp-srv exits the process on these signals; the test runner owns them.
  for (const [signal, before] of signalsBefore)
    for (const l of process.listeners(signal)) if (!before.has(l)) process.removeListener(signal, l);
  ftp.on('login', ({ connection, username, password }, resolve, reject) => {
    if (username !== FAKE_ACCOUNT.ftpUser || password !== FAKE_ACCOUNT.ftpPassword) return reject(new Error('530 Login incorrect'));
    resolve({ fs: new PlatformFs(connection, { root, cwd: '/' }) });
  });
  ftp.on('client-error', () => {});
  await ftp.listen();
  fake.ftpPort = ftpPort;

  fake.stop = async () => {
    await http.stop();
    await ftp.close();
    rmSync(root, { recursive: true, force: true });
  };
  return fake;
}
