/**
 * The SOAP envelope path alone, without the database or authentication: reading a call
 * (parseSoapCall) and rendering its answer (answerElementName + renderResponse), on the
 * single-recipient sendSms envelope the bench posts (bench/request.ts) and on an Axis 1.x rpc/encoded
 * sendSms with multiRef.
 *
 *   tsx bench/envelope.ts          in-process ops/s (median of ENVELOPE_ROUNDS rounds, 7 by default)
 *   tsx bench/envelope.ts serve    Koa with the real soapService middleware and handlers that
 *                                  answer fixed text, on PORT (default: any free port); prints
 *                                  the wrk command for each envelope and runs until stopped
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import type { Core } from '../src/core';
import { userApiService } from '../src/faces/userApi';
import { createLogger } from '../src/logger';
import { WSDL_DIR } from '../src/paths';
import { parseSoapCall } from '../src/soap/envelope';
import { answerElementName, renderResponse } from '../src/soap/render';
import { soapService } from '../src/soap/service';
import { BODY, FIXED_BATCH_ID, PATH } from './request';

const ANSWER = `success;${FIXED_BATCH_ID}`;
const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
/** As an Axis 1.4 stub sends sendSms: rpc/encoded, in0…in5, the two ints as multiRefs after the operation. */
const AXIS_BODY =
  '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
  `<ns1:sendSms soapenv:encodingStyle="${ENC}" xmlns:ns1="http://webservice.sms.oldvendor">` +
  '<in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">ZGVtbzEyMw==</in1><in2 href="#id0"/><in3 xsi:type="xsd:string">【基准】您的验证码是123456，5分钟内有效。</in3><in4 xsi:type="xsd:string">13800138000</in4><in5 href="#id1"/></ns1:sendSms>' +
  `<multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="${ENC}" xsi:type="xsd:int" xmlns:soapenc="${ENC}">1</multiRef>` +
  `<multiRef id="id1" soapenc:root="0" soapenv:encodingStyle="${ENC}" xsi:type="xsd:int" xmlns:soapenc="${ENC}">0</multiRef>` +
  '</soapenv:Body></soapenv:Envelope>';

const ENVELOPES = [
  { name: 'sendSms doc/literal', file: 'sendSms-docLiteral', body: BODY },
  { name: 'sendSms Axis rpc/encoded', file: 'sendSms-axis', body: AXIS_BODY },
];

const ROUNDS = Number(process.env.ENVELOPE_ROUNDS ?? 7);
const ROUND_MS = 500;

/** Calls per second of `fn` over one round. */
function rate(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  const until = start + BigInt(ROUND_MS) * 1_000_000n;
  let calls = 0;
  let now = start;
  while (now < until) {
    for (let i = 0; i < 100; i++) fn();
    calls += 100;
    now = process.hrtime.bigint();
  }
  return calls / (Number(now - start) / 1e9);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function measure(): void {
  console.log(`envelope path in-process, node ${process.version}: median of ${ROUNDS} rounds of ${ROUND_MS} ms`);
  console.log(`${''.padEnd(34)}${'parse/s'.padStart(10)}${'render/s'.padStart(11)}${'parse+render/s'.padStart(16)}`);
  for (const { name, body } of ENVELOPES) {
    // Decoded from bytes as service.ts decodes a request, so the string is laid out as in the server.
    const xml = new TextDecoder().decode(Buffer.from(body));
    const call = parseSoapCall(xml, '1.1');
    const parse = () => parseSoapCall(xml, '1.1');
    const render = () => renderResponse(call, answerElementName(call, call.operation), ANSWER);
    const both = () => {
      const c = parseSoapCall(xml, '1.1');
      return renderResponse(c, answerElementName(c, c.operation), ANSWER);
    };
    const fns = [parse, render, both];
    const rounds = fns.map((): number[] => []);
    for (const fn of fns) rate(fn); // warm-up
    // Interleaved, so that a burst of load from elsewhere on the machine hits all three alike.
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < fns.length; i++) rounds[i]!.push(rate(fns[i]!));
    }
    const [p, re, b] = rounds.map((xs) => Math.round(median(xs)).toString());
    const label = `${name} (${Buffer.byteLength(body)} B)`;
    console.log(`${label.padEnd(34)}${p!.padStart(10)}${re!.padStart(11)}${b!.padStart(16)}`);
  }
}

/** userApi's contract (its WSDL and parameter names) with every operation answering fixed text. */
function fixedAnswerService() {
  // Only the names and the WSDL are used: every handler is replaced, so no core is needed.
  const userApi = userApiService({} as Core, WSDL_DIR);
  const operations = Object.fromEntries(
    Object.entries(userApi.operations).map(([name, op]) => [name, { params: op.params, handle: async () => ANSWER }]),
  );
  return { ...userApi, operations };
}

function serve(): void {
  const app = new Koa();
  app.use(soapService(fixedAnswerService(), { publicUrl: '', maxBodyBytes: 256 * 1024, log: createLogger('warn') }));
  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-envelope-'));
    console.log(`listening ${url}`);
    for (const { name, file, body } of ENVELOPES) {
      writeFileSync(join(dir, `${file}.xml`), body);
      writeFileSync(
        join(dir, `${file}.lua`),
        `wrk.method = "POST"\nwrk.headers["Content-Type"] = "text/xml; charset=utf-8"\nwrk.body = io.open("${join(dir, `${file}.xml`)}"):read("*a")\n`,
      );
      console.log(`${name}: wrk -t2 -c32 -d10s --latency -s ${join(dir, `${file}.lua`)} ${url}`);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
}

if (process.argv[2] === 'serve') serve();
else measure();
