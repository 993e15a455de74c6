/**
 * The shipped 建周 Jianzhou contract called by a JAX-WS RI port that WsImport generates from the WSDL
 * the gateway serves (Debian's libjaxws-java), as the vendor's Java callers are: the calls of
 * contracts/jianzhou/JianzhouWsImportMain.java, checked as the zeep client's are.
 */
import path from 'node:path';
import { test } from 'node:test';
import { startContractGateway } from './contracts/builtin';
import { checkJianzhouCalls, JIANZHOU_REPLY } from './contracts/jianzhou/calls';
import { JAXWS_JARS, javaOk, missingJavaTools, wsimportClient } from './java';
import { removeDir, skipOrFail, tempDir } from './run';

const MAIN = path.join(__dirname, 'contracts', 'jianzhou', 'JianzhouWsImportMain.java');
const ENDPOINT = '/JianzhouSMSWSServer/services/BusinessService';

test('a WsImport port calls the Jianzhou contract: send, reports by task, replies, balance, schedule, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
  if (missing) return skipOrFail(t, missing);
  const dir = await tempDir('jianzhou-wsimport-');
  const gw = await startContractGateway('jianzhou', ENDPOINT);
  try {
    await gw.injectReply(JIANZHOU_REPLY);
    const endpoint = gw.url + ENDPOINT;
    const cp = await wsimportClient(`${endpoint}?wsdl`, 'jianzhou', MAIN, dir);
    const r = await javaOk(cp, 'JianzhouWsImportMain', [`${endpoint}?wsdl`, endpoint], { cwd: dir });
    await checkJianzhouCalls(JSON.parse(r.stdout.toString('utf8')), gw);
  } finally {
    await gw.stop();
    await removeDir(dir);
  }
});
