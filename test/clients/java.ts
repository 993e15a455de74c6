/**
 * Helpers shared by the Java client contract tests (axis.test.ts, wsimport.test.ts): the Debian
 * jar classpaths, a tool check, javac/java runs bounded by timeouts (through run.ts), and the
 * `callMany` through which the scenario (scenario.ts) calls a Java client.
 *
 * A Java client program (test/clients/axis/ClientScript.java) takes a small script of calls on the
 * command line, `op:ARG,ARG,...` with every ARG the BASE64 of its UTF-8 bytes, and prints one line
 * per call: `CALL <i> <op> OK <BASE64 of the UTF-8 answer>`, `... NULL` or `... ERROR <BASE64>`.
 * One JVM start thus covers all the calls of a scenario step.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { anyExists, describeRun, onPath, run, runOk, type RunResult } from './run';
import { b64, type Call, type CallMany } from './scenario';

const JAVA_DIR = '/usr/share/java';

/** Axis 1.4 (WSDL2Java and the runtime of its stubs). Debian: libaxis-java and its dependencies. */
export const AXIS_JARS = ['axis', 'axis-jaxrpc', 'axis-saaj', 'wsdl4j', 'commons-logging', 'commons-discovery'];

/**
 * JAX-WS RI 2.3 (WsImport and the runtime of its ports). Debian: libjaxws-java and its dependencies.
 * Note: /usr/share/java/saaj.jar is Axis's SAAJ; JAX-WS needs javax.xml.soap-api + saaj-impl.
 */
export const JAXWS_JARS = [
  'jaxws-tools',
  'jaxws-ri-runtime',
  'jaxws-api',
  'jaxb-api',
  'jaxb-xjc',
  'jaxb-core',
  'jaxb-runtime',
  'istack-commons-runtime',
  'istack-commons-tools',
  'javax.activation',
  'stax-ex',
  'streambuffer',
  'metro-policy',
  'gmbal',
  'glassfish-management-api',
  'glassfish-pfl-basic',
  'glassfish-pfl-tf',
  'mimepull',
  'geronimo-annotation-1.3-spec',
  'jws-api',
  'txw2',
  'rngom',
  'relaxngDatatype',
  'xsom',
  'dtd-parser',
  'codemodel',
  'FastInfoset',
  'javax.xml.soap-api',
  'saaj-impl',
];

export const jarPaths = (names: string[]): string[] => names.map((n) => path.join(JAVA_DIR, `${n}.jar`));
export const classpath = (...entries: string[]): string => entries.join(path.delimiter);

/** The Java sources of the clients. */
export const AXIS_SRC = path.join(__dirname, 'axis');
export const WSIMPORT_SRC = path.join(__dirname, 'wsimport');
const CLIENT_SCRIPT_JAVA = path.join(AXIS_SRC, 'ClientScript.java');

/** A JVM that starts fast and stays small: the test runner runs two test files at once on 2 cores. */
const JVM_OPTS = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m', '-Djava.awt.headless=true'];

/**
 * Undefined when java, javac and the jars are there; otherwise a message naming what is missing and
 * the Debian packages that provide it.
 */
export async function missingJavaTools(jars: string[], debianPackage: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (const cmd of ['java', 'javac']) if (!(await onPath(cmd))) missing.push(cmd);
  for (const jar of jarPaths(jars)) if (!(await anyExists([jar]))) missing.push(jar);
  if (missing.length === 0) return undefined;
  const pkgs = missing.some((m) => m === 'java' || m === 'javac') ? `default-jdk-headless ${debianPackage}` : debianPackage;
  return `Java client tools missing (${missing.join(', ')}): install the Debian package(s) ${pkgs}`;
}

/** Every *.java file under dir. */
async function javaSources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await javaSources(p)));
    else if (e.isFile() && e.name.endsWith('.java')) out.push(p);
  }
  return out.sort();
}

/** Runs a Java tool's main class and throws with its output unless it exits 0. */
export function javaOk(cp: string, mainClass: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runOk('java', [...JVM_OPTS, '-cp', cp, mainClass, ...args], { cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 120_000 });
}

/**
 * javac the stub a generator wrote under gen, ClientScript.java and the client's main class
 * (mainSource) into classes; throws with the compiler output on failure.
 */
export async function compileClient(cp: string, gen: string, mainSource: string, classes: string): Promise<void> {
  const stubs = await javaSources(gen);
  assert.ok(stubs.length > 0, `no Java sources generated under ${gen}`);
  await mkdir(classes, { recursive: true });
  const jopts = ['-J-XX:+UseSerialGC', '-J-Xmx512m'];
  const sources = [...stubs, CLIENT_SCRIPT_JAVA, mainSource];
  await runOk('javac', [...jopts, '-nowarn', '-encoding', 'UTF-8', '-cp', cp, '-d', classes, ...sources], { timeoutMs: 180_000 });
}

/**
 * WsImport's JAX-WS RI port of the WSDL at wsdlUrl (package pkg), compiled under dir with the
 * client's main class; the classpath that runs it.
 */
export async function wsimportClient(wsdlUrl: string, pkg: string, mainSource: string, dir: string): Promise<string> {
  const cp = classpath(...jarPaths(JAXWS_JARS));
  const gen = path.join(dir, 'gen');
  const classes = path.join(dir, 'classes');
  await mkdir(gen, { recursive: true });
  await javaOk(cp, 'com.sun.tools.ws.WsImport', ['-keep', '-Xnocompile', '-d', gen, '-p', pkg, wsdlUrl], { cwd: dir });
  await compileClient(cp, gen, mainSource, classes);
  return classpath(classes, cp);
}

/** The command-line form of a call for ClientScript.java: `op:ARG,ARG,...`. */
const callArg = (c: Call): string => `${c.op}:${c.args.map(b64).join(',')}`;

/**
 * The answers of a ClientScript run, one string per call. Throws (with the whole run) when the
 * program failed, a call raised (a SOAP fault, say) or answered null.
 */
function callAnswers(r: RunResult, calls: Call[]): string[] {
  const lines = r.stdout.toString('utf8').split(/\r?\n/);
  const answers: string[] = [];
  const problems: string[] = [];
  calls.forEach((c, i) => {
    const line = lines.find((l) => l.startsWith(`CALL ${i} ${c.op} `));
    const m = line ? /^CALL \d+ \w+ (OK|NULL|ERROR) ?(\S*)$/.exec(line) : null;
    if (!m) problems.push(`call ${i} (${c.op}): no answer line`);
    else if (m[1] === 'NULL') problems.push(`call ${i} (${c.op}) returned null`);
    else if (m[1] === 'ERROR') problems.push(`call ${i} (${c.op}) raised ${Buffer.from(m[2], 'base64').toString('utf8')}`);
    answers.push(m && m[1] === 'OK' ? Buffer.from(m[2], 'base64').toString('utf8') : '');
  });
  if (r.code !== 0 || problems.length > 0) {
    throw new Error(`the Java client did not answer every call\n${problems.join('\n')}\n${describeRun(r)}`);
  }
  return answers;
}

/**
 * A `callMany` for the scenario: one run of `java MAIN-CLASS LEADING... CALL...` in cwd (killed
 * after 60 s) for all the calls of a step.
 */
export function javaCalls(cp: string, mainClass: string, leading: string[], cwd: string): CallMany {
  return async (calls) => {
    const args = [...JVM_OPTS, '-cp', cp, mainClass, ...leading, ...calls.map(callArg)];
    return callAnswers(await run('java', args, { cwd, timeoutMs: 60_000 }), calls);
  };
}
