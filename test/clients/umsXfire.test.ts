/**
 * A legacy UMS caller whose stub was generated from the service as XFire published it
 * (ums/ums-xfire.wsdl: request wrappers named after the operations, in0…inN, string answers in
 * out), not from the gateway's WSDL: WsImport makes the stub from that file (with
 * ums/ums-xfire-bindings.xml), and it goes through the whole loop at the gateway's endpoint, as
 * ums/UmsXfireMain.java runs it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startTestGateway } from '../support/gateway';
import { classpath, compileClient, JAXWS_JARS, jarPaths, javaOk, missingJavaTools } from './java';
import { removeDir, skipOrFail, tempDir } from './run';
import { checkUmsLoop, prepareUmsLoop, UMS_SERIAL } from './umsLoop';

const JAXWS_CP = classpath(...jarPaths(JAXWS_JARS));
const WSDL = path.join(__dirname, 'ums', 'ums-xfire.wsdl');
/** The JAXB class customization the WSDL needs: its Reply element and its Reply type would both be class Reply. */
const BINDINGS = path.join(__dirname, 'ums', 'ums-xfire-bindings.xml');

test('a stub generated from the XFire-shape UMS WSDL goes through the UMS loop', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
  if (missing) return skipOrFail(t, missing);
  const dir = await tempDir('ums-xfire-');
  const gw = await startTestGateway();
  try {
    await prepareUmsLoop(gw);
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    await mkdir(gen, { recursive: true });
    await javaOk(JAXWS_CP, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', 'umsx', '-b', BINDINGS, WSDL], {
      cwd: dir,
    });
    await compileClient(JAXWS_CP, gen, path.join(__dirname, 'ums', 'UmsXfireMain.java'), classes);
    const r = await javaOk(classpath(classes, JAXWS_CP), 'UmsXfireMain', [WSDL, `${gw.url}/sms_hb/services/Sms`, UMS_SERIAL], { cwd: dir });
    await checkUmsLoop(r.stdout.toString('utf8'), gw);
  } finally {
    await gw.stop();
    await removeDir(dir);
  }
});
