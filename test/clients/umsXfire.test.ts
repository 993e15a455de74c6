/**
 * A legacy UMS caller whose stub was generated from the service as XFire published it
 * (ums/ums-xfire.wsdl: in0…in8, answers in out), not from the gateway's WSDL: WsImport makes the
 * stub from that file, and it calls the gateway's endpoint.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startTestGateway } from '../support/gateway';
import { classpath, compileClient, JAXWS_JARS, jarPaths, javaOk, missingJavaTools } from './java';
import { removeDir, skipOrFail, tempDir } from './run';
import { prepareUmsLoop, printedAnswers, UMS_SERIAL } from './umsLoop';

const JAXWS_CP = classpath(...jarPaths(JAXWS_JARS));
const WSDL = path.join(__dirname, 'ums', 'ums-xfire.wsdl');

test('a stub generated from the XFire-shape UMS WSDL sends, fetches reports and audits', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
  if (missing) return skipOrFail(t, missing);
  const dir = await tempDir('ums-xfire-');
  const gw = await startTestGateway();
  try {
    await prepareUmsLoop(gw);
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    await mkdir(gen, { recursive: true });
    await javaOk(JAXWS_CP, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', 'umsx', WSDL], { cwd: dir });
    await compileClient(JAXWS_CP, gen, path.join(__dirname, 'ums', 'UmsXfireMain.java'), classes);
    const r = await javaOk(classpath(classes, JAXWS_CP), 'UmsXfireMain', [WSDL, `${gw.url}/sms_hb/services/Sms`, UMS_SERIAL], { cwd: dir });
    const one = printedAnswers(r.stdout.toString('utf8'));
    assert.equal(one('sms'), 'result=0&description=发送成功&faillist=12345');
    assert.ok(one('reports')!.includes(`${UMS_SERIAL},13800000001,0;`), one('reports')!);
    assert.equal(one('audit'), 'result=0&description=短信内容审核通过');
    assert.equal(one('auditRefused'), 'result=7&description=短信内容含有敏感词:代开发票');
  } finally {
    await gw.stop();
    await removeDir(dir);
  }
});
