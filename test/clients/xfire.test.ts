/**
 * Contract test with stubs of XFire-style callers: real generators fed xfire/userApi-xfire.wsdl, the
 * userApi service as Codehaus XFire 1.2 published it (document/literal wrapped, parameters in0…in5,
 * every answer in <out>), pointed at our endpoint. The gateway must answer them in <out>, or the
 * stubs read null.
 *  - JAX-WS RI WsImport (-keep -Xnocompile): needs java/javac and the Debian package libjaxws-java;
 *  - Axis 1.4 WSDL2Java: needs java/javac and the Debian package libaxis-java.
 * Each compiles with axis/ClientScript.java and goes through the userApi scenario (scenario.ts).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { skipOrFail } from './run';
import { AXIS_JARS, JAXWS_JARS, classpath, compileClient, jarPaths, javaCalls, javaOk, missingJavaTools } from './java';
import { runUserApiScenario } from './scenario';

const XFIRE_SRC = path.join(__dirname, 'xfire');
const XFIRE_WSDL = path.join(XFIRE_SRC, 'userApi-xfire.wsdl');
const JAXWS_CP = classpath(...jarPaths(JAXWS_JARS));
const AXIS_CP = classpath(...jarPaths(AXIS_JARS));

/** Every answer of the step came in <ns1:out> of the XFire namespace, none in <…Return>. */
function answeredInOut(transcript: string): void {
  const answers = transcript
    .split('=== connection')
    .filter((c) => c.includes('<<< server -> client'))
    .map((c) => c.slice(c.indexOf('<<< server -> client')));
  assert.ok(answers.length > 0, 'no exchange recorded');
  for (const a of answers) {
    assert.match(a, /<ns1:\w+Response xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><ns1:out>/, `answer not in <ns1:out>:\n${a}`);
    assert.doesNotMatch(a, /Return[\s>]/, `answer in an <opReturn>:\n${a}`);
  }
}

test('JAX-WS RI WsImport port generated from the XFire-shape WSDL calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(JAXWS_JARS, 'libjaxws-java');
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-xfire-wsimport-', ({ dir, wire }) => {
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    const wsdlUrl = pathToFileURL(XFIRE_WSDL).href;
    return {
      buildStep: 'generate the stub from the XFire-shape WSDL and compile the client',
      async build() {
        await mkdir(gen, { recursive: true });
        await javaOk(JAXWS_CP, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', 'xfirews', XFIRE_WSDL], { cwd: dir });
        await compileClient(JAXWS_CP, gen, path.join(XFIRE_SRC, 'XFireWsImportMain.java'), classes);
      },
      // The port reads the WSDL file, then posts to the recorder, which relays byte for byte to gw.serviceUrl.
      callMany: javaCalls(classpath(classes, JAXWS_CP), 'XFireWsImportMain', [wsdlUrl, wire.url], dir),
      checkWire: answeredInOut,
    };
  });
});

test('Axis 1.4 WSDL2Java stub generated from the XFire-shape WSDL calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-xfire-axis-', ({ dir, wire }) => {
    const gen = path.join(dir, 'gen');
    const classes = path.join(dir, 'classes');
    return {
      buildStep: 'generate the stub from the XFire-shape WSDL and compile the client',
      async build() {
        await javaOk(AXIS_CP, 'org.apache.axis.wsdl.WSDL2Java', ['-o', gen, '-p', 'xfireaxis', XFIRE_WSDL], { cwd: dir });
        await compileClient(AXIS_CP, gen, path.join(XFIRE_SRC, 'XFireAxisMain.java'), classes);
      },
      callMany: javaCalls(classpath(classes, AXIS_CP), 'XFireAxisMain', [wire.url], dir),
      checkWire: answeredInOut,
    };
  });
});
