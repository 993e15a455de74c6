/**
 * A fake 畅卓 chanzor, written from seed 000 (客户接口说明) and, where the seed lost chapters in
 * copying (the 返回信息 table, 4.4 error answers, chapter 5 上行接口), from chanzor's published texts:
 *   POST /sms.aspx (parameters UTF-8) and /smsGBK.aspx (parameters GB2312, read as CP936)
 *     action=send&userid=&account=&password=&mobile=a,b&content=&sendTime=[&extno=]
 *     action=overage&userid=&account=&password=
 *     action=checkkeyword&userid=&account=&password=&content=
 *   POST /statusApi.aspx action=query&userid=&account=&password=   (each statusbox handed out once)
 *   POST /callApi.aspx   action=query&userid=&account=&password=   (each callbox handed out once)
 * Every answer is XML declared utf-8, as the seed prints it. Configurations pointed at this fake use
 * FAKE_LOGIN's account, password and userid.
 */
import type { ServerResponse } from 'node:http';
import iconv from 'iconv-lite';
import { chinaTime, type FakeServer, formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

export const FAKE_LOGIN = { userid: '1001', account: 'cz_account', password: 'cz_secret' } as const;

/** What the fake refuses as 非法字符. */
export const FORBIDDEN_WORDS = ['赌博', '发票'];

export type FakeMode = 'normal' | 'slow' | 'busy' | 'http500';

export interface StatusBox {
  mobile: string;
  taskid: string;
  status: string;
  receivetime: string;
  errorcode: string;
}

export interface CallBox {
  mobile: string;
  taskid: string;
  content: string;
  receivetime: string;
  extno: string;
}

export interface SendRequest {
  path: string;
  method: string;
  /** The form exactly as received (body, or query for a GET). */
  raw: string;
  charset: 'utf-8' | 'gb2312';
  /** Each parameter's raw bytes (percent-escapes undone, no charset applied). */
  bytes: Map<string, Buffer>;
  /** The parameters decoded in the endpoint's charset. */
  params: Map<string, string>;
  taskID: string | null;
}

export interface ChanzorFake extends FakeServer {
  mode: FakeMode;
  /** How long a `slow` answer takes. */
  slowMs: number;
  /** Answers this send request slowly even in `normal` mode (one request of several timing out). */
  slowWhen: (params: Map<string, string>) => boolean;
  /** The password the vendor holds for the account (change it to see our login refused). */
  password: string;
  /** The account's balance at the vendor (预付费), in messages. */
  balance: number;
  /** The report each accepted number gets; delivered by default. */
  outcomeFor: (mobile: string) => { status: string; errorcode: string };
  /** Send requests as received (valid or not). */
  sends: SendRequest[];
  reportQueue: StatusBox[];
  replyQueue: CallBox[];
  queueReply(reply: { mobile: string; content: string; extno?: string; receivetime?: string }): void;
}

/** A form's values as raw bytes: percent-escapes and '+' undone, nothing decoded. */
export function formBytes(raw: string): Map<string, Buffer> {
  return new Map(formPairs(raw).map(([k, v]) => [percentBytes(k).toString('latin1'), percentBytes(v)]));
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function xml(res: ServerResponse, body: string, status = 200): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/xml');
  res.end(Buffer.from(`<?xml version="1.0" encoding="utf-8" ?>${body}`, 'utf8'));
}

const tags = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join('');

export async function startChanzorFake(): Promise<ChanzorFake> {
  let nextTask = 880001;
  let sent = 0;
  const state = {
    mode: 'normal' as FakeMode,
    slowMs: 1500,
    slowWhen: (_params: Map<string, string>) => false,
    password: FAKE_LOGIN.password as string,
    balance: 5000,
    outcomeFor: (_mobile: string) => ({ status: '10', errorcode: 'DELIVRD' }),
    sends: [] as SendRequest[],
    reportQueue: [] as StatusBox[],
    replyQueue: [] as CallBox[],
  };

  /** 1 empty login, 2 wrong login: the answers of the send interface (返回信息) or of the query interfaces (4.4). */
  const loginProblem = (p: Map<string, string>): 1 | 2 | null => {
    const account = p.get('account') ?? '';
    const password = p.get('password') ?? '';
    if (!account || !password) return 1;
    const userid = p.get('userid') ?? '';
    if (account !== FAKE_LOGIN.account || password !== state.password || (userid !== '' && userid !== FAKE_LOGIN.userid)) return 2;
    return null;
  };

  const returnsms = (res: ServerResponse, fields: Record<string, string>) => xml(res, `<returnsms>${tags(fields)}</returnsms>`);
  const faild = (res: ServerResponse, message: string) =>
    returnsms(res, { returnstatus: 'Faild', message, remainpoint: '0', taskID: '0', successCounts: '0' });

  const handle = async (req: ReceivedRequest, res: ServerResponse) => {
    const raw = req.method === 'POST' && req.body.length > 0 ? req.body.toString('latin1') : req.rawQuery;
    const charset = req.path === '/smsGBK.aspx' ? 'gb2312' : 'utf-8';
    const bytes = formBytes(raw);
    const params = new Map([...bytes].map(([k, v]) => [k, iconv.decode(v, charset)]));
    const action = params.get('action') ?? '';

    if (req.path === '/sms.aspx' || req.path === '/smsGBK.aspx') {
      const record: SendRequest = { path: req.path, method: req.method, raw, charset, bytes, params, taskID: null };
      if (action === 'send') state.sends.push(record);
      if (state.mode === 'http500') {
        res.statusCode = 500;
        res.end('Server Error');
        return;
      }
      if (state.mode === 'slow' || state.slowWhen(params)) await new Promise((r) => setTimeout(r, state.slowMs));
      const login = loginProblem(params);
      if (login) return faild(res, login === 1 ? '用户名或密码不能为空' : '用户名或密码错误');
      if (action === 'overage') {
        return returnsms(res, {
          returnstatus: 'Success',
          message: '',
          payinfo: '预付费',
          overage: String(state.balance),
          sendTotal: String(state.balance + sent),
        });
      }
      const content = params.get('content') ?? '';
      const found = FORBIDDEN_WORDS.find((w) => content.includes(w));
      if (action === 'checkkeyword') {
        return xml(res, `<returnsms>${tags({ message: found ? `包含非法字符：${found}` : '' })}</returnsms>`);
      }
      if (action !== 'send') return faild(res, '其他错误');
      if (state.mode === 'busy') return faild(res, '其他错误');
      if (/select |insert |delete |update |drop |'/i.test(content)) return faild(res, '发送内容包含sql注入字符');
      const mobiles = (params.get('mobile') ?? '').split(',').filter((m) => /^1\d{10}$/.test(m.trim()));
      if (mobiles.length === 0) return faild(res, '短信号码不能为空');
      if (!content) return faild(res, '短信内容不能为空');
      if (found) return faild(res, `包含非法字符：${found}`);
      const extno = params.get('extno');
      if (extno && !/^\d{1,5}$/.test(extno)) return faild(res, '扩展子号只能是数字');
      if (mobiles.length > state.balance) return faild(res, '对不起，您当前要发送的量大于您当前余额');
      const taskID = String(nextTask++);
      record.taskID = taskID;
      state.balance -= mobiles.length;
      sent += mobiles.length;
      for (const mobile of mobiles)
        state.reportQueue.push({ mobile, taskid: taskID, receivetime: chinaTime(), ...state.outcomeFor(mobile) });
      return returnsms(res, {
        returnstatus: 'Success',
        message: 'ok',
        remainpoint: String(state.balance),
        taskID,
        successCounts: String(mobiles.length),
      });
    }

    if (req.path === '/statusApi.aspx' || req.path === '/callApi.aspx') {
      const login = loginProblem(params);
      const error = login ?? (action === 'query' ? null : 4);
      if (error) {
        const remark = ['', '用户名或密码不能为空', '用户名或密码错误', '', '参数不正确'][error]!;
        return xml(res, `<returnsms><errorstatus>${tags({ error: String(error), remark })}</errorstatus></returnsms>`);
      }
      // Fetch-once: what is handed out leaves the queue.
      if (req.path === '/statusApi.aspx') {
        const boxes = state.reportQueue.splice(0, 200);
        return xml(res, `<returnsms>${boxes.map((b) => `<statusbox>${tags({ ...b })}</statusbox>`).join('')}</returnsms>`);
      }
      const boxes = state.replyQueue.splice(0, 200);
      return xml(res, `<returnsms>${boxes.map((b) => `<callbox>${tags({ ...b })}</callbox>`).join('')}</returnsms>`);
    }

    res.statusCode = 404;
    res.end('Not Found');
  };

  const server = await startFakeServer((req, res) => handle(req, res));
  return Object.assign(state, {
    url: server.url,
    received: server.received,
    stop: server.stop,
    queueReply(reply: { mobile: string; content: string; extno?: string; receivetime?: string }) {
      state.replyQueue.push({
        mobile: reply.mobile,
        taskid: String(nextTask++),
        content: reply.content,
        receivetime: reply.receivetime ?? chinaTime(),
        extno: reply.extno ?? '',
      });
    },
  });
}
