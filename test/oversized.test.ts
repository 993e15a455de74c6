import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { startTestGateway, type TestGateway } from './support/gateway';
import { call, DEMO_AUTH } from './support/soap';

/**
 * A body over MAX_BODY_BYTES, sent by a client that writes all of it before it reads a byte
 * (Python's urllib, .NET's HttpWebRequest): it must read the 413 and its fault, not a reset.
 */

const LIMIT = 64 * 1024;
const MiB = 1024 * 1024;

interface Outcome {
  /** Whether every byte of the request was written before the connection ended. */
  wrote: boolean;
  writeError?: string;
  readError?: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function parse(all: Buffer): Pick<Outcome, 'status' | 'headers' | 'body'> {
  const split = all.indexOf('\r\n\r\n');
  if (split < 0) return { status: 0, headers: {}, body: all };
  const lines = all.subarray(0, split).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: all.subarray(split + 4) };
}

function open(gw: TestGateway): Promise<Socket> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    // Paused from the start: nothing is read off the wire until the whole request is written.
    socket.pause();
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Reads the socket to its end (or its error) and parses what came. */
function readAll(socket: Socket): Promise<{ all: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => resolve({ all: Buffer.concat(chunks), error }));
    socket.resume();
  });
}

/** Writes the head and every byte of the body, waits until they are all written (or writing fails), and only then reads. */
async function writeAllThenRead(gw: TestGateway, head: string, body: Buffer): Promise<Outcome> {
  const socket = await open(gw);
  socket.removeAllListeners('error');
  let writeError: string | undefined;
  socket.on('error', (err: NodeJS.ErrnoException) => {
    writeError ??= err.code ?? err.message;
  });
  const wrote = await new Promise<boolean>((resolve) => {
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]), (err) => resolve(!err));
    socket.once('close', () => resolve(false));
  });
  socket.removeAllListeners('error');
  const { all, error } = await readAll(socket);
  return { wrote, writeError, readError: error, ...parse(all) };
}

function soapHead(gw: TestGateway, length: number): string {
  const { host } = new URL(gw.url);
  return `POST /services/userApi HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: ""\r\nContent-Length: ${length}\r\n\r\n`;
}

/** A SOAP sendSms whose content makes it `size` bytes long. */
function bigEnvelope(size: number): Buffer {
  const start =
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><sendSms xmlns="http://userapi.ws.smsgateway"><username>demo</username><password>ZGVtbzEyMw==</password><smstype>1</smstype><content>';
  const end = '</content><mobile>13800138000</mobile><isLongSms>0</isLongSms></sendSms></soap:Body></soap:Envelope>';
  return Buffer.from(start + 'x'.repeat(size - start.length - end.length) + end);
}

const FAULT = '<faultstring>request body larger than 65536 bytes</faultstring>';

describe('oversized requests', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ env: { MAX_BODY_BYTES: String(LIMIT) } });
  });
  after(async () => {
    await gw?.stop();
  });

  const assertStillServing = async () => {
    assert.match(await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH), /^memberSmsNum=\d+;gateSmsNum=\d+;kaSmsNum=\d+$/);
    const res = await fetch(`${gw.url}/servlet/UserServiceAPI?method=getRestMoney&username=demo&password=ZGVtbzEyMw==`);
    assert.match(iconv.decode(Buffer.from(await res.arrayBuffer()), 'gbk'), /^memberSmsNum=\d+;/);
  };

  test('a 6 MiB SOAP body written in full before reading gets the 413 fault, then the connection closes', async () => {
    const body = bigEnvelope(6 * MiB);
    const out = await writeAllThenRead(gw, soapHead(gw, body.length), body);
    assert.equal(out.wrote, true, `the whole body was taken (${out.writeError ?? ''})`);
    assert.equal(out.readError, undefined, 'no reset');
    assert.equal(out.status, 413);
    assert.equal(out.headers.connection, 'close');
    assert.equal(out.headers['content-type'], 'text/xml; charset=utf-8');
    assert.equal(Number(out.headers['content-length']), out.body.length);
    assert.match(out.body.toString('utf8'), /<soap:Fault><faultcode>soap:Client<\/faultcode>/);
    assert.ok(out.body.toString('utf8').includes(FAULT), out.body.toString('utf8'));
    await assertStillServing();
  });

  test('a chunked body (no Content-Length) over the limit, written in full: the same 413', async () => {
    const { host } = new URL(gw.url);
    const chunk = Buffer.alloc(256 * 1024, 'y');
    const parts: Buffer[] = [];
    for (let i = 0; i < 16; i++) parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    parts.push(Buffer.from('0\r\n\r\n'));
    const out = await writeAllThenRead(
      gw,
      `POST /services/userApi HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n`,
      Buffer.concat(parts),
    );
    assert.equal(out.wrote, true);
    assert.equal(out.readError, undefined);
    assert.equal(out.status, 413);
    assert.equal(out.headers.connection, 'close');
    assert.ok(out.body.toString('utf8').includes(FAULT));
    await assertStillServing();
  });

  test('the HTTP twin answers an oversized form the same way, in its own words', async () => {
    const { host } = new URL(gw.url);
    const body = Buffer.from(
      `method=sendSMS&username=demo&password=ZGVtbzEyMw%3D%3D&smstype=1&mobile=13800138000&content=${'z'.repeat(3 * MiB)}`,
    );
    const out = await writeAllThenRead(
      gw,
      `POST /servlet/UserServiceAPI HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
    );
    assert.equal(out.wrote, true);
    assert.equal(out.readError, undefined);
    assert.equal(out.status, 413);
    assert.equal(out.headers['content-type'], 'text/plain; charset=GBK');
    assert.equal(out.headers.connection, 'close');
    // failure;请求内容超过65536字节, in GBK
    assert.equal(out.body.toString('hex'), '6661696c7572653bc7ebc7f3c4dac8ddb3acb9fd3635353336d7d6bdda');
    await assertStillServing();
  });

  test('a declared Content-Length over the limit is answered at once, before the body is sent', async () => {
    for (const declared of [5 * MiB, 1024 * MiB]) {
      const socket = await open(gw);
      socket.write(soapHead(gw, declared));
      socket.write('<?xml version="1.0"?>');
      const started = Date.now();
      const answer = await new Promise<Buffer>((resolve, reject) => {
        let got = Buffer.alloc(0);
        socket.on('data', (c: Buffer) => {
          got = Buffer.concat([got, c]);
          const { headers, body } = parse(got);
          if (headers['content-length'] && body.length >= Number(headers['content-length'])) resolve(got);
        });
        socket.on('error', reject);
        socket.resume();
      });
      assert.ok(Date.now() - started < 2000, 'without waiting for the body');
      const out = parse(answer);
      assert.equal(out.status, 413);
      assert.equal(out.headers.connection, 'close');
      assert.ok(out.body.toString('utf8').includes(FAULT));
      socket.destroy();
    }
    await assertStillServing();
  });

  test('beyond the drain bound (16 MiB here) the gateway stops reading and cuts the connection', async () => {
    const body = Buffer.alloc(64 * MiB, 'x');
    const out = await writeAllThenRead(gw, soapHead(gw, body.length), body);
    assert.equal(out.wrote, false, 'the gateway did not read 64 MiB');
    await assertStillServing();
  });

  test('a body within the limit is still served', async () => {
    const body = bigEnvelope(LIMIT - 100);
    const out = await writeAllThenRead(gw, soapHead(gw, body.length).replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'), body);
    assert.equal(out.status, 200, out.body.toString('utf8').slice(0, 300));
    // Read and parsed: the content is refused for its length, not the request for its size.
    assert.match(out.body.toString('utf8'), /<(?:ns1:)?sendSmsReturn>failure;短信内容过长<\/(?:ns1:)?sendSmsReturn>/);
  });
});
