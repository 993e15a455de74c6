/**
 * What contracts of the int-answering vendors need from the engine, on the raw wire and on both
 * databases: a send answered by its task id (the batch's row id), reports asked for by that task
 * id and handed out once, numbers as a repeated element (JAX-WS `arg3`) and as an ArrayOfString,
 * a schedule time in the vendor's format (and the vendor's code for one that is not), a
 * zero-padded id, an ArrayOfString answer, login and change-password calls, a double balance,
 * replies handed out until confirmed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Batch, Send } from '../entities';
import { batchIdFor } from '../src/core/batchId';
import { DIALECTS, startTestGateway } from './support/gateway';
import { post } from './support/soap';

const NS = 'http://task.vendor.example';
const el = (name: string, type = 'xs:string', max = '1') => `<xs:element name="${name}" type="${type}" minOccurs="0" maxOccurs="${max}"/>`;
const wrapper = (name: string, ...children: string[]) =>
  `<xs:element name="${name}"><xs:complexType><xs:sequence>${children.join('')}</xs:sequence></xs:complexType></xs:element>`;
const USER = [el('user'), el('pwd')];
const OPERATIONS: [string, string[], string][] = [
  ['sendTimely', [...USER, el('when'), el('mobile', 'xs:string', 'unbounded'), el('text')], el('return', 'xs:int')],
  ['sendList', [...USER, el('mobiles', 'tns:ArrayOfString'), el('text')], el('return')],
  ['receipt', [...USER, el('taskID', 'xs:int')], el('return', 'tns:ArrayOfString')],
  ['login', USER, el('return', 'xs:int')],
  ['changePwd', [el('user'), el('oldPwd'), el('newPwd')], el('return', 'xs:int')],
  ['balance', USER, el('return', 'xs:double')],
  ['replies', USER, el('confirmId') + el('confirmedAt') + el('reply', 'tns:ArrayOfString')],
  ['confirm', [...USER, el('id')], el('return', 'xs:int')],
];

/** A CXF-shaped WSDL (qualified, SOAP 1.1) of these operations. */
const WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="TaskService" targetNamespace="${NS}" xmlns:tns="${NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <wsdl:types><xs:schema elementFormDefault="qualified" targetNamespace="${NS}">
    <xs:complexType name="ArrayOfString"><xs:sequence>${el('string', 'xs:string', 'unbounded')}</xs:sequence></xs:complexType>
    ${OPERATIONS.map(([op, params, answer]) => wrapper(op, ...params) + wrapper(`${op}Response`, answer)).join('\n    ')}
  </xs:schema></wsdl:types>
  ${OPERATIONS.map(
    ([op]) => `<wsdl:message name="${op}"><wsdl:part name="parameters" element="tns:${op}"/></wsdl:message>
  <wsdl:message name="${op}Response"><wsdl:part name="parameters" element="tns:${op}Response"/></wsdl:message>`,
  ).join('\n  ')}
  <wsdl:portType name="TaskService">${OPERATIONS.map(
    ([op]) => `<wsdl:operation name="${op}"><wsdl:input message="tns:${op}"/><wsdl:output message="tns:${op}Response"/></wsdl:operation>`,
  ).join('')}</wsdl:portType>
  <wsdl:binding name="TaskServiceSoapBinding" type="tns:TaskService"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>${OPERATIONS.map(
    ([op]) =>
      `<wsdl:operation name="${op}"><soap:operation soapAction=""/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation>`,
  ).join('')}</wsdl:binding>
  <wsdl:service name="TaskService"><wsdl:port name="TaskServicePort" binding="tns:TaskServiceSoapBinding"><soap:address location="http://vendor.example/services/TaskService"/></wsdl:port></wsdl:service>
</wsdl:definitions>
`;

const MAPPING = `
codes: { badCredentials: -2, insufficientBalance: -1, badSchedule: -8, badNewPassword: -7, other: -9 }
operations:
  sendTimely:
    call: send
    inputs: { account: user, password: pwd, mobiles: mobile, content: text, schedule: { param: when, format: "yyyy-MM-dd HH:mm:ss" } }
    answer: { return: "{taskId}" }
  sendList:
    call: send
    inputs: { account: user, password: pwd, mobiles: mobiles, content: text }
    answer: { return: "{taskId|pad16}" }
  receipt:
    call: reports
    inputs: { account: user, password: pwd, task: taskID }
    statuses: { delivered: "DELIVRD", failed: "UNDELIV", unknown: "UNKNOWN" }
    answer: { return: { items: "{taskId},{mobile},{status}" } }
  login:
    call: login
    inputs: { account: user, password: pwd }
    answer: { return: "1" }
  changePwd:
    call: password
    inputs: { account: user, password: oldPwd, newPassword: newPwd }
    answer: { return: "0" }
  balance:
    call: balance
    inputs: { account: user, password: pwd }
    answer: { return: "{balance}" }
  replies:
    call: replies
    handOut: untilConfirmed
    inputs: { account: user, password: pwd }
    answer: { confirmId: "{confirmId}", confirmedAt: "{lastConfirmedAt}", reply: { items: "{mobile},{content}" } }
  confirm:
    call: confirm
    inputs: { account: user, password: pwd, confirmId: id }
    answer: { return: "{confirmed}" }
`;

const PATH = '/services/TaskService';

/** A call with these parameters (an array value is repeated, or written as items when `items` names it). */
function envelope(op: string, params: [string, string | string[]][], items: string[] = []): string {
  const body = params
    .map(([name, value]) => {
      if (!Array.isArray(value)) return `<t:${name}>${value}</t:${name}>`;
      if (items.includes(name)) return `<t:${name}>${value.map((v) => `<t:string>${v}</t:string>`).join('')}</t:${name}>`;
      return value.map((v) => `<t:${name}>${v}</t:${name}>`).join('');
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:t="${NS}"><soap:Body><t:${op}>${body}</t:${op}></soap:Body></soap:Envelope>`;
}

for (const dialect of DIALECTS) {
  test(`task ids, schedules, list parameters and the new calls of the contract engine (${dialect})`, { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'task-contract-'));
    writeFileSync(join(dir, 'service.wsdl'), WSDL);
    writeFileSync(join(dir, 'contract.yaml'), MAPPING);
    const gw = await startTestGateway({
      dialect,
      config: `vendors:\n  sim:\n    type: simulator\n    delayMs: 10\n    successRatio: 1\nroute: [sim]\ncontracts:\n  - contract: ${dir}\n    path: ${PATH}\n`,
    });
    try {
      await gw.core.accounts.create('erp', 'secret', { 1: 100 });
      await gw.core.accounts.create('broke', 'secret', { 1: 0 });
      const call = async (op: string, params: [string, string | string[]][], items: string[] = []) => {
        const res = await post(gw.url + PATH, envelope(op, params, items));
        assert.equal(res.status, 200, res.body);
        const body = res.body.slice(res.body.indexOf('<soap:Body>') + 11, res.body.indexOf('</soap:Body>'));
        return body;
      };
      const value = (body: string) => /<ns1:return>([^<]*)<\/ns1:return>/.exec(body)?.[1];
      const erp: [string, string][] = [
        ['user', 'erp'],
        ['pwd', 'secret'],
      ];

      // A scheduled send, its numbers as a repeated element, answered by its batch's row id.
      const timely = await call('sendTimely', [
        ...erp,
        ['when', '2031-02-03 04:05:06'],
        ['mobile', ['13800000001', '13800000002']],
        ['text', '通知【测试】'],
      ]);
      const taskId = Number(value(timely));
      const batch = await gw.db.getRepository(Batch).findOneByOrFail({ id: taskId });
      const rows = await gw.db
        .getRepository(Send)
        .find({ where: { batchId: batchIdFor(batch.createdAt, batch.id) }, order: { ID: 'ASC' } });
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.scheduledAt?.toISOString()]),
        [
          ['13800000001', '2031-02-02T20:05:06.000Z'],
          ['13800000002', '2031-02-02T20:05:06.000Z'],
        ],
        'both numbers stored, scheduled at the China time given',
      );
      assert.equal(
        value(await call('sendTimely', [...erp, ['when', '2031/02/03'], ['mobile', ['13800000001']], ['text', 'x【测试】']])),
        '-8',
      );

      // Numbers as an ArrayOfString, the task id zero-padded to 16 characters.
      const first = value(
        await call('sendList', [...erp, ['mobiles', ['13900000001', '13900000002']], ['text', '验证码1【测试】']], ['mobiles']),
      )!;
      const second = value(await call('sendList', [...erp, ['mobiles', ['13900000003']], ['text', '验证码2【测试】']], ['mobiles']))!;
      assert.match(first, /^0+\d+$/);
      assert.equal(first.length, 16);
      assert.equal(Number(second), Number(first) + 1, 'task ids are the batches’ row ids');
      await gw.waitForReports(3, 'erp');

      // Reports by task id: only that send's, each once; a task id of no send of the account has none.
      const items = (body: string) => [...body.matchAll(/<ns1:string>([^<]*)<\/ns1:string>/g)].map((m) => m[1]);
      assert.deepEqual(items(await call('receipt', [...erp, ['taskID', String(Number(second))]])), [
        `${Number(second)},13900000003,DELIVRD`,
      ]);
      assert.deepEqual(items(await call('receipt', [...erp, ['taskID', String(Number(first))]])).sort(), [
        `${Number(first)},13900000001,DELIVRD`,
        `${Number(first)},13900000002,DELIVRD`,
      ]);
      assert.deepEqual(items(await call('receipt', [...erp, ['taskID', String(Number(first))]])), [], 'handed out once');
      assert.deepEqual(
        items(
          await call('receipt', [
            ['user', 'broke'],
            ['pwd', 'secret'],
            ['taskID', String(Number(first))],
          ]),
        ),
        [],
      );
      assert.equal(
        await call('receipt', [...erp, ['taskID', String(Number(first))]]),
        `<ns1:receiptResponse xmlns:ns1="${NS}"><ns1:return></ns1:return></ns1:receiptResponse>`,
      );

      // The refusals: balance, credentials; login; a double balance; a password change.
      assert.equal(
        value(
          await call(
            'sendList',
            [
              ['user', 'broke'],
              ['pwd', 'secret'],
              ['mobiles', ['13900000001']],
              ['text', 'x【测试】'],
            ],
            ['mobiles'],
          ),
        ),
        '-1',
      );
      assert.equal(value(await call('login', erp)), '1');
      assert.equal(
        value(
          await call('login', [
            ['user', 'erp'],
            ['pwd', 'nope'],
          ]),
        ),
        '-2',
      );
      assert.equal(value(await call('balance', erp)), '95');
      assert.equal(
        value(
          await call('changePwd', [
            ['user', 'erp'],
            ['oldPwd', 'nope'],
            ['newPwd', 'next'],
          ]),
        ),
        '-2',
      );
      assert.equal(
        value(
          await call('changePwd', [
            ['user', 'erp'],
            ['oldPwd', 'secret'],
            ['newPwd', ''],
          ]),
        ),
        '-7',
      );
      assert.equal(
        value(
          await call('changePwd', [
            ['user', 'erp'],
            ['oldPwd', 'secret'],
            ['newPwd', 'next'],
          ]),
        ),
        '0',
      );
      assert.equal(value(await call('login', erp)), '-2', 'the old password is refused at once');
      assert.equal(
        value(
          await call('login', [
            ['user', 'erp'],
            ['pwd', 'next'],
          ]),
        ),
        '1',
      );

      // Replies until confirmed: the same again on every call, until confirm is given the id they came with.
      await gw.injectReply({ mobile: '13900000001', content: '收到 <ok>', username: 'erp' });
      const next: [string, string][] = [
        ['user', 'erp'],
        ['pwd', 'next'],
      ];
      const pending = await call('replies', next);
      assert.equal(await call('replies', next), pending, 'handed out again until confirmed');
      const confirmId = /<ns1:confirmId>(\d+)<\/ns1:confirmId>/.exec(pending)?.[1];
      assert.ok(confirmId, pending);
      assert.match(
        pending,
        /<ns1:confirmedAt><\/ns1:confirmedAt><ns1:reply><ns1:string>13900000001,收到 &lt;ok&gt;<\/ns1:string><\/ns1:reply>/,
      );
      assert.equal(value(await call('confirm', [...next, ['id', 'x']])), '0');
      assert.equal(value(await call('confirm', [...next, ['id', confirmId]])), '1');
      const after = await call('replies', next);
      assert.match(
        after,
        /<ns1:confirmId><\/ns1:confirmId><ns1:confirmedAt>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/ns1:confirmedAt><ns1:reply><\/ns1:reply>/,
      );
    } finally {
      await gw.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
