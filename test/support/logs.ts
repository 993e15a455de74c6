import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

/** A logger whose JSON lines the test reads: `lines` as written, `text()` all of them, `parsed()` as objects. */
export function capturedLogger(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    log: createLogger(level, stream),
    lines,
    text: () => lines.join('\n'),
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
