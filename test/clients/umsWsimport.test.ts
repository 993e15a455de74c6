/**
 * The UMS `Sms` web service called by a JAX-WS RI port that WsImport generates from the WSDL the
 * gateway serves (Debian's libjaxws-java): the whole loop, as ums/UmsWsImportMain.java runs it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DIALECTS, startTestGateway } from '../support/gateway';
import { classpath, compileClient, JAXWS_JARS, jarPaths, javaOk, missingJavaTools } from './java';
import { removeDir, skipOrFail, tempDir } from './run';
import { checkUmsLoop, prepareUmsLoop, UMS_SERIAL } from './umsLoop';

const JAXWS_CP = classpath(...jarPaths(JAXWS_JARS));
const MAIN = path.join(__dirname, 'ums', 'UmsWsImportMain.java');

for (const dialect of DIALECTS) {
  test(`a WsImport port goes through the UMS loop, ${dialect}`, { timeout: 300_000 }, async (t) => {
    const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
    if (missing) return skipOrFail(t, missing);
    const dir = await tempDir('ums-wsimport-');
    const gw = await startTestGateway({ dialect });
    try {
      await prepareUmsLoop(gw);
      const endpoint = `${gw.url}/sms_hb/services/Sms`;
      const gen = path.join(dir, 'gen');
      const classes = path.join(dir, 'classes');
      await mkdir(gen, { recursive: true });
      await javaOk(JAXWS_CP, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', 'umsws', `${endpoint}?wsdl`], {
        cwd: dir,
      });
      await compileClient(JAXWS_CP, gen, MAIN, classes);
      const r = await javaOk(classpath(classes, JAXWS_CP), 'UmsWsImportMain', [`${endpoint}?wsdl`, endpoint, UMS_SERIAL], {
        cwd: dir,
      });
      await checkUmsLoop(r.stdout.toString('utf8'), gw);
    } finally {
      await gw.stop();
      await removeDir(dir);
    }
  });
}
