/** Phase 1: the Koa ceiling, the most one Node process answers on this machine. */
import { join } from 'node:path';
import { checkAnswers } from '../answerCheck';
import { startProcess, stopProcess } from '../processes';
import { BODY, HEADERS, PATH } from '../request';
import { measureLoad } from '../wrk';
import type { PhaseContext } from './context';

export async function koaPhase(ctx: PhaseContext): Promise<void> {
  const server = await startProcess({
    name: 'Koa ceiling',
    command: process.execPath,
    args: ['--import', 'tsx', join(__dirname, '..', 'koaCeiling.ts')],
    env: { PATH: process.env.PATH },
    logFile: join(ctx.dir, 'koa.log'),
    ready: /listening (http:\/\/\S+)/,
    timeoutMs: 30_000,
  });
  try {
    const target = {
      url: `${server.match[1]}${PATH}`,
      method: 'POST' as const,
      body: BODY,
      headers: HEADERS,
      status: 200,
      good: 'success;%d+<',
    };
    const load = await measureLoad(target, ctx.options.load, ctx.options.warmupSeconds, ctx.dir);
    ctx.results.accept.koa = load;
    ctx.results.checks.koa = checkAnswers(load);
  } finally {
    await stopProcess(server.child);
  }
}
