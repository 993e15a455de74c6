/**
 * What the Emay and Montnets contract tests share: a real gateway serving a built-in contract from
 * its configuration file, with the simulator as the vendor that delivers, and a vendor caller built
 * as the vendors' real callers were: Axis 1.4 WSDL2Java stubs generated from the served `?wsdl`,
 * compiled with the test's main class and run once, its printed answers returned decoded; and the
 * raw answer to a hand-written request, to compare with the WSDL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TestGateway, startTestGateway } from '../../support/gateway';
import { AXIS_JARS, classpath, compileClient, jarPaths, javaOk } from '../java';
import { printedAnswers } from '../umsLoop';

/** The account that sends, the one with nothing in the pool, and their shared password. */
export const LEGACY_ACCOUNTS = { user: '3SDK-EMY-0130-TESTA', empty: '3SDK-EMY-0130-EMPTY', password: 'key-8311' } as const;
export const OPENING_BALANCE = 100;

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

/**
 * Generates the Axis stub (package pkg) from wsdlUrl, compiles mainSource against it and runs it with
 * endpoint and the accounts; the answers it printed, by name (null for a null answer).
 */
export async function runAxisCaller(
  wsdlUrl: string,
  endpoint: string,
  pkg: string,
  mainSource: string,
): Promise<(name: string) => string | null | undefined> {
  const dir = mkdtempSync(path.join(tmpdir(), `contract-axis-${pkg}-`));
  try {
    const axis = classpath(...jarPaths(AXIS_JARS));
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    await javaOk(axis, 'org.apache.axis.wsdl.WSDL2Java', ['-o', gen, '-p', pkg, '-O', '60', wsdlUrl], { cwd: dir });
    await compileClient(axis, gen, mainSource, classes);
    const mainClass = path.basename(mainSource, '.java');
    const args = [endpoint, LEGACY_ACCOUNTS.user, LEGACY_ACCOUNTS.password, LEGACY_ACCOUNTS.empty];
    const r = await javaOk(classpath(classes, axis), mainClass, args, { cwd: dir, timeoutMs: 90_000 });
    return printedAnswers(r.stdout.toString('utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
