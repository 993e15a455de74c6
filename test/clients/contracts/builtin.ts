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
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { anyExists, describeRun, monoAbortedAfterMain, onPath, removeDir, run, runOk, skipOrFail, tempDir } from '../run';

export const PYTHON = '/usr/bin/python3';
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

/** How an account's gateway password is made from its account name and the caller's password `secret`. */
export type StoredPassword = (account: string, password: string) => string;

/**
 * The two accounts the clients call as: `erp` with 100 messages in the 网关 pool, `broke` with none,
 * both with the password `secret`, stored as is unless the contract's callers send a digest of it.
 */
export async function startContractGateway(
  contract: string,
  endpoint: string,
  stored: StoredPassword = (_account, password) => password,
): Promise<TestGateway> {
  const gw = await startTestGateway({
    config: `vendors:\n  sim:\n    type: simulator\n    delayMs: 20\n    successRatio: 1\nroute: [sim]\ncontracts:\n  - contract: ${contract}\n    path: ${endpoint}\n`,
  });
  await gw.core.accounts.create('erp', stored('erp', 'secret'), { 1: 100 });
  await gw.core.accounts.create('broke', stored('broke', 'secret'), { 1: 0 });
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

/**
 * Builds an ASMX proxy with mono's `wsdl` from the gateway's served `?wsdl`, compiles it with the
 * client program main (a .cs file beside this one's folder, printing through contracts/JsonOut.cs)
 * and runs it against the endpoint; its printed JSON, or a skip when the .NET tools are missing.
 */
export async function runMonoClient(
  t: TestContext,
  gw: TestGateway,
  main: string,
  endpoint: string,
): Promise<Record<string, unknown> | null> {
  const tools = (await Promise.all(['mono', 'wsdl', 'mcs'].map(onPath))).every(Boolean);
  if (!tools || !(await anyExists(['/usr/lib/mono/4.5/System.Web.Services.dll', '/usr/lib/mono/gac/System.Web.Services']))) {
    skipOrFail(t, '.NET client tools missing: install mono-devel libmono-system-web-services4.0-cil');
    return null;
  }
  const dir = await tempDir('contract-dotnet-');
  try {
    const url = gw.url + endpoint;
    await runOk('wsdl', ['-nologo', '-out:Proxy.cs', `${url}?wsdl`], { cwd: dir, timeoutMs: 60_000 });
    for (const source of [main, path.join(__dirname, 'JsonOut.cs')]) await copyFile(source, path.join(dir, path.basename(source)));
    const sources = ['Proxy.cs', 'JsonOut.cs', path.basename(main)];
    await runOk('mcs', ['-r:System.Web.Services', ...sources, '-out:client.exe'], { cwd: dir, timeoutMs: 120_000 });
    const r = await run('mono', ['client.exe', url], { cwd: dir, timeoutMs: 90_000 });
    const printed = r.stdout.toString('utf8');
    if (r.code !== 0) {
      // Every answer is checked by the caller; only mono's teardown abort after the last line is let through.
      assert.ok(monoAbortedAfterMain(r) && /^done$/m.test(printed), describeRun(r));
      t.diagnostic(`mono aborted in its thread teardown after the calls: ${describeRun(r).slice(0, 300)}`);
    }
    return JSON.parse(printed.split('\n')[0]!);
  } finally {
    await removeDir(dir);
  }
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
export async function withContractGateway(
  contract: string,
  endpoint: string,
  use: (gw: TestGateway) => Promise<void>,
  stored?: StoredPassword,
): Promise<void> {
  const gw = await startContractGateway(contract, endpoint, stored);
  try {
    await use(gw);
  } finally {
    await gw.stop();
  }
}
