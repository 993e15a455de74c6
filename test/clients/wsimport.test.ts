/**
 * Contract test with a real JAX-WS RI client: WsImport (-keep -Xnocompile) generates the port from
 * the WSDL the gateway serves, javac compiles it with wsimport/WsImportMain.java and
 * axis/ClientScript.java, and the port goes through the userApi scenario (scenario.ts; SOAP 1.1,
 * document/literal wrapped) with BindingProvider.ENDPOINT_ADDRESS_PROPERTY set to the endpoint.
 * Needs java/javac and the Debian package libjaxws-java.
 */
import { test } from 'node:test';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { skipOrFail } from './run';
import { JAXWS_JARS, WSIMPORT_SRC, classpath, compileClient, jarPaths, javaCalls, javaOk, missingJavaTools } from './java';
import { runUserApiScenario } from './scenario';

const JAXWS_CP = classpath(...jarPaths(JAXWS_JARS));

test('JAX-WS RI WsImport port calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-wsimport-', ({ dir, gw, wire }) => {
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    return {
      buildStep: 'generate the stub and compile the client',
      async build() {
        await mkdir(gen, { recursive: true });
        await javaOk(JAXWS_CP, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', 'wsi', gw.wsdlUrl], { cwd: dir });
        await compileClient(JAXWS_CP, gen, path.join(WSIMPORT_SRC, 'WsImportMain.java'), classes);
      },
      // The port reads the served WSDL, then posts to the recorder, which relays byte for byte to gw.serviceUrl.
      callMany: javaCalls(classpath(classes, JAXWS_CP), 'WsImportMain', [gw.wsdlUrl, wire.url], dir),
    };
  });
});
