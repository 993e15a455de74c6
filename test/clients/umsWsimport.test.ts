/**
 * The UMS `Sms` web service called by a JAX-WS RI port that WsImport generates from the WSDL the
 * gateway serves (Debian's libjaxws-java): the whole loop, as ums/UmsWsImportMain.java runs it.
 */
import path from 'node:path';
import { test } from 'node:test';
import { DIALECTS, startTestGateway } from '../support/gateway';
import { JAXWS_JARS, javaOk, missingJavaTools, wsimportClient } from './java';
import { removeDir, skipOrFail, tempDir } from './run';
import { checkUmsLoop, prepareUmsLoop, UMS_SERIAL } from './umsLoop';

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
      const cp = await wsimportClient(`${endpoint}?wsdl`, 'umsws', MAIN, dir);
      const r = await javaOk(cp, 'UmsWsImportMain', [`${endpoint}?wsdl`, endpoint, UMS_SERIAL], { cwd: dir });
      await checkUmsLoop(r.stdout.toString('utf8'), gw);
    } finally {
      await gw.stop();
      await removeDir(dir);
    }
  });
}
