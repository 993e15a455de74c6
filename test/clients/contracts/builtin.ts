/**
 * What the tests of the shipped contracts (wsdl/contracts/<name>) share: a real gateway serving the
 * built-in contract by its name from its configuration file, with the simulator as its vendor, the
 * accounts every client uses, the client run and its JSON read, and the send rows a task id names.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Batch, Send } from '../../../entities';
import { batchIdFor } from '../../../src/core/batchId';
import { startTestGateway, type TestGateway } from '../../support/gateway';
import { anyExists, describeRun, run, skipOrFail } from '../run';

export const PYTHON = '/usr/bin/python3';
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

/** The two accounts the clients call as: `erp` with 100 messages in the 网关 pool, `broke` with none (plain passwords). */
export async function startContractGateway(contract: string, endpoint: string): Promise<TestGateway> {
  const gw = await startTestGateway({
    config: `vendors:\n  sim:\n    type: simulator\n    delayMs: 20\n    successRatio: 1\nroute: [sim]\ncontracts:\n  - contract: ${contract}\n    path: ${endpoint}\n`,
  });
  await gw.core.accounts.create('erp', 'secret', { 1: 100 });
  await gw.core.accounts.create('broke', 'secret', { 1: 0 });
  return gw;
}

/** Runs a zeep client program against the gateway's endpoint and its served WSDL; its printed JSON, or a skip when zeep is missing. */
export async function runZeep(t: TestContext, gw: TestGateway, client: string, endpoint: string): Promise<Record<string, unknown> | null> {
  if (!(await anyExists([PYTHON])) || (await run(PYTHON, ['-c', 'import zeep'], { env: PYENV })).code !== 0) {
    skipOrFail(t, `zeep is missing from ${PYTHON}: install python3-zeep`);
    return null;
  }
  const url = gw.url + endpoint;
  const r = await run(PYTHON, [client, `${url}?wsdl`, url], { env: PYENV, timeoutMs: 90_000 });
  assert.equal(r.code, 0, describeRun(r));
  return JSON.parse(r.stdout.toString('utf8'));
}

/** The send rows of the batch a task id names, as [number, text, scheduled time]. */
export async function rowsOfTask(gw: TestGateway, taskId: number): Promise<[string, string, Date | null][]> {
  const batch = await gw.db.getRepository(Batch).findOneByOrFail({ id: taskId });
  const rows = await gw.db.getRepository(Send).find({ where: { batchId: batchIdFor(batch.createdAt, batch.id) }, order: { ID: 'ASC' } });
  return rows.map((row) => [row.infoto, row.content, row.scheduledAt]);
}

/** POSTs one SOAP 1.1 request body to the endpoint; the answer's text. */
export async function postSoap11(gw: TestGateway, endpoint: string, soapAction: string, body: string): Promise<string> {
  const answer = await fetch(gw.url + endpoint, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction}"` },
    body: `<?xml version="1.0" encoding="utf-8"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>${body}</e:Body></e:Envelope>`,
  });
  assert.equal(answer.status, 200);
  return answer.text();
}

/** The SOAP 1.1 envelope the gateway wraps every answer in. */
export const soap11Answer = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>${body}</soap:Body></soap:Envelope>`;

/** Runs use with a gateway serving the built-in contract (startContractGateway), stopped afterwards whatever happens. */
export async function withContractGateway(contract: string, endpoint: string, use: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startContractGateway(contract, endpoint);
  try {
    await use(gw);
  } finally {
    await gw.stop();
  }
}
