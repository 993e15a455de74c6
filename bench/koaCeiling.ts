/**
 * The Koa ceiling of the bench: the most one Node process can answer on this machine, run in a
 * process of its own like the gateway. One POST route reads the envelope as any server must, then
 * sends the fixed bytes of a sendSms success. Prints `listening <url>`.
 */
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { ANSWER, PATH } from './request';

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== PATH) {
    ctx.status = 404;
    return;
  }
  await getRawBody(ctx.req, { length: ctx.get('content-length') || undefined, limit: '2mb' });
  ctx.type = 'text/xml; charset=utf-8';
  ctx.body = ANSWER;
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
