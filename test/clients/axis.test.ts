/**
 * Contract test with real Apache Axis 1.4 clients (legacy Java):
 *  - WSDL2Java stubs from the document/literal WSDL the gateway serves;
 *  - WSDL2Java stubs from axis/legacy-userApi-rpc.wsdl, the rpc/encoded WSDL (in0…in5, multiRef,
 *    xsi:type, namespace http://webservice.sms.oldvendor) the old vendor's Axis service published,
 *    pointed at our endpoint: the callers we replace keep stubs like these.
 * Each compiles with axis/ClientScript.java and goes through the userApi scenario (scenario.ts).
 * Needs java/javac and the Debian package libaxis-java.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { skipOrFail } from './run';
import { AXIS_JARS, AXIS_SRC, classpath, compileClient, jarPaths, javaCalls, javaOk, missingJavaTools } from './java';
import { runUserApiScenario } from './scenario';

const AXIS_CP = classpath(...jarPaths(AXIS_JARS));
const LEGACY_WSDL = path.join(AXIS_SRC, 'legacy-userApi-rpc.wsdl');
const LEGACY_NS = 'http://webservice.sms.oldvendor';

interface AxisClient {
  /** WSDL2Java input: a URL or a file. */
  wsdl: (gw: { wsdlUrl: string }) => string;
  /** Java package for the generated stubs (WSDL2Java -p), imported by the main class. */
  pkg: string;
  main: string;
  checkWire?: (transcript: string) => void;
}

function axisScenario(t: TestContext, client: AxisClient): Promise<void> {
  return runUserApiScenario(t, `userapi-axis-${client.pkg}-`, ({ dir, gw, wire }) => {
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    return {
      buildStep: 'generate the stub and compile the client',
      async build() {
        // -O: seconds WSDL2Java waits for the WSDL; the process itself is bounded by javaOk's timeout
        await javaOk(AXIS_CP, 'org.apache.axis.wsdl.WSDL2Java', ['-o', gen, '-p', client.pkg, '-O', '60', client.wsdl(gw)], { cwd: dir });
        await compileClient(AXIS_CP, gen, path.join(AXIS_SRC, `${client.main}.java`), classes);
      },
      // The stub posts to the recorder, which relays byte for byte to gw.serviceUrl.
      callMany: javaCalls(classpath(classes, AXIS_CP), client.main, [wire.url], dir),
      checkWire: client.checkWire,
    };
  });
}

test('Axis 1.4 WSDL2Java stubs call every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);

  await t.test('document/literal stub generated from the served WSDL', (st) =>
    axisScenario(st, { wsdl: (gw) => gw.wsdlUrl, pkg: 'axisdoclit', main: 'AxisDocLitMain' }),
  );

  await t.test('rpc/encoded stub generated from the legacy Axis WSDL (in0…in5, multiRef)', (st) =>
    axisScenario(st, {
      wsdl: () => LEGACY_WSDL,
      pkg: 'axisrpc',
      main: 'AxisRpcMain',
      checkWire(transcript) {
        // every answer comes back in the caller's namespace, as the old Axis service's did
        const answers = transcript
          .split('=== connection')
          .filter((c) => c.includes('<<< server -> client'))
          .map((c) => c.slice(c.indexOf('<<< server -> client')));
        assert.ok(answers.length > 0, 'no exchange recorded');
        for (const a of answers) {
          assert.ok(a.includes(LEGACY_NS), `answer not in the caller's namespace ${LEGACY_NS}:\n${a}`);
        }
      },
    }),
  );
});
