/**
 * What the Emay and Montnets contract tests share: a real gateway serving a built-in contract from
 * its configuration file at the vendor's path, with the simulator as the vendor that delivers; a
 * caller program generated from the served `?wsdl` run once against it, its printed answers
 * (`name BASE64` lines) checked by the contract's CallerRun; the Axis 1.4 WSDL2Java build the
 * vendors' real Java callers had; and the raw answer to a hand-written request, to compare with the WSDL.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TestGateway, startTestGateway } from '../../support/gateway';
import { AXIS_JARS, classpath, compileClient, jarPaths, javaOk } from '../java';
import { describeRun, type RunResult } from '../run';
import { printedAnswers } from '../umsLoop';

/** The account that sends, the one with nothing in the pool, and their shared password. */
export const LEGACY_ACCOUNTS = { user: '3SDK-EMY-0130-TESTA', empty: '3SDK-EMY-0130-EMPTY', password: 'key-8311' } as const;
export const OPENING_BALANCE = 100;

/** The answers a caller printed, by name (null for a null answer, undefined for one not printed). */
export type Printed = (name: string) => string | null | undefined;

/** A contract's caller run: where it is served, the reply waiting for the caller, the checks. */
export interface CallerRun {
  contract: string;
  endpoint: string;
  reply: string;
  check(one: Printed, gw: TestGateway): Promise<void>;
}

/**
 * Builds a caller in dir from the served WSDL and runs it with endpoint and the accounts
 * (`ENDPOINT USER PASSWORD EMPTY_USER`); its run, for the printed answers.
 */
export type Caller = (dir: string, wsdlUrl: string, callerArgs: string[]) => Promise<RunResult>;

/** A gateway serving the built-in contract `name` at endpoint, both accounts and a forbidden word made. */
export async function startContractGateway(name: string, endpoint: string): Promise<TestGateway> {
  const gw = await startTestGateway({
    config: `vendors:\n  sim:\n    type: simulator\n    delayMs: 20\n    successRatio: 1\nroute: [sim]\ncontracts:\n  - contract: ${name}\n    path: ${endpoint}\n`,
  });
  await gw.core.accounts.create(LEGACY_ACCOUNTS.user, LEGACY_ACCOUNTS.password, { 1: OPENING_BALANCE });
  await gw.core.accounts.create(LEGACY_ACCOUNTS.empty, LEGACY_ACCOUNTS.password, { 1: 0 });
  await gw.core.audit.addWord('赌博');
  return gw;
}

/** Serves run.contract, leaves run.reply for the caller, runs the caller once and checks what it printed. */
export async function callThroughGateway(run: CallerRun, caller: Caller): Promise<void> {
  const gw = await startContractGateway(run.contract, run.endpoint);
  const dir = mkdtempSync(path.join(tmpdir(), `contract-${run.contract}-`));
  try {
    await gw.injectReply({ mobile: '13900000009', content: run.reply, username: LEGACY_ACCOUNTS.user });
    const endpoint = gw.url + run.endpoint;
    const r = await caller(dir, `${endpoint}?wsdl`, [endpoint, LEGACY_ACCOUNTS.user, LEGACY_ACCOUNTS.password, LEGACY_ACCOUNTS.empty]);
    assert.equal(r.code, 0, describeRun(r));
    await run.check(printedAnswers(r.stdout.toString('utf8')), gw);
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The Axis 1.4 caller: WSDL2Java stubs in package pkg, compiled with mainSource and run. */
export function axisCaller(pkg: string, mainSource: string): Caller {
  return async (dir, wsdlUrl, callerArgs) => {
    const axis = classpath(...jarPaths(AXIS_JARS));
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    await javaOk(axis, 'org.apache.axis.wsdl.WSDL2Java', ['-o', gen, '-p', pkg, '-O', '60', wsdlUrl], { cwd: dir });
    await compileClient(axis, gen, mainSource, classes);
    return javaOk(classpath(classes, axis), path.basename(mainSource, '.java'), callerArgs, { cwd: dir, timeoutMs: 90_000 });
  };
}

/**
 * The raw answer to one hand-written request (headers, body) for a reply of 好 waiting for the
 * account: what the wire carries, for the tests that compare it with the WSDL.
 */
export async function rawAnswerToReplies(
  name: string,
  endpoint: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; contentType: string | null; text: string }> {
  const gw = await startContractGateway(name, endpoint);
  try {
    await gw.injectReply({ mobile: '13900000009', content: '好', username: LEGACY_ACCOUNTS.user });
    const res = await fetch(gw.url + endpoint, { method: 'POST', headers, body });
    return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
  } finally {
    await gw.stop();
  }
}
