/** Phase 2: Kannel's sendsms under the same load, then its drain through the HTTP SMSC. */
import { join } from 'node:path';
import { checkAnswers } from '../answerCheck';
import { measureDrain, withTimeout } from '../drain';
import { ACCEPTED, findKannel, startKannel } from '../kannel';
import { memoryOf } from '../processes';
import { measureLoad } from '../wrk';
import { NotHere, type PhaseContext } from './context';

export async function kannelPhase(ctx: PhaseContext): Promise<void> {
  const binaries = findKannel();
  if (!binaries) throw new NotHere('Kannel is not installed (no bearerbox and smsbox in /usr/sbin or on PATH; Debian package kannel)');
  const { sink, results, options } = ctx;
  const kannel = await startKannel(binaries, sink.url, join(ctx.dir, 'kannel'));
  try {
    const sendsms = async (url: string, what: string) => {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status !== ACCEPTED.status || !text.startsWith(ACCEPTED.text))
        throw new Error(`Kannel refused ${what}: ${res.status} ${text}`);
    };
    const probed = sink.kannel.reached(sink.kannel.delivered + 1);
    await sendsms(kannel.loadUrl, 'the probe message');
    await withTimeout('the probe message reaching the sink', 10_000, probed);

    const target = { url: kannel.loadUrl, method: 'GET' as const, status: ACCEPTED.status, good: `^${ACCEPTED.text}` };
    const load = await measureLoad(target, options.load, options.warmupSeconds, ctx.dir);
    results.accept.kannel = load;
    results.checks.kannel = checkAnswers(load);

    results.drain.kannel = await measureDrain(sink, sink.kannel, options.drainMessages, (to) =>
      sendsms(kannel.sendsmsUrl(to), `a sendsms to ${to.length} numbers`),
    );
    results.memory['Kannel bearerbox'] = memoryOf(kannel.pids.bearerbox);
    results.memory['Kannel smsbox'] = memoryOf(kannel.pids.smsbox);
  } finally {
    await kannel.stop();
  }
}
