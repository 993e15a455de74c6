/**
 * The acceptance check of a measured load: no failure answers, and for the gateway, every success
 * it answered has its committed row in `send`. A success is HTTP 200 like a refusal
 * (`failure;…`), so bodies are checked and batch ids kept by the wrk script.
 */
import type { AnswerCheck } from './results';
import type { LoadRun } from './wrk';

/** Refusals, non-2xx answers and socket errors: any of them means the target did not do its job. */
export function checkAnswers(load: LoadRun): AnswerCheck {
  const problems: string[] = [];
  if (load.refused > 0) problems.push(`${load.refused} answers were not acceptances, the first: ${load.refusedSample}`);
  if (load.non2xx > 0) problems.push(`${load.non2xx} non-2xx answers`);
  if (load.socketErrors > 0) problems.push(`${load.socketErrors} socket errors`);
  if (load.timeouts > 0) problems.push(`${load.timeouts} requests timed out`);
  if (load.accepted === 0) problems.push('no answer was an acceptance');
  return { ok: problems.length === 0, problems };
}

/**
 * The same, plus the rows: each batch id answered once, with its one row in `send` (each call
 * carries one number). The table may hold more rows than answers: those of requests wrk
 * abandoned at its deadline, accepted by the gateway but never answered, about one per
 * connection. They are counted apart (cutOff), not judged: the count depends on timing.
 */
export function checkGatewayAnswers(load: LoadRun, ids: string[], rowsAdded: number, rowsPerBatch: Map<string, number>): AnswerCheck {
  const { problems } = checkAnswers(load);
  const unique = new Set(ids);
  if (unique.size !== load.accepted) problems.push(`${load.accepted} acceptances carried ${unique.size} distinct batch ids`);
  const rows = [...unique].map((id) => rowsPerBatch.get(id) ?? 0);
  const withRow = rows.filter((n) => n > 0).length;
  if (withRow !== unique.size) problems.push(`${unique.size - withRow} batch ids answered have no row in send`);
  const several = rows.filter((n) => n > 1).length;
  if (several > 0) problems.push(`${several} batch ids answered have more than one row for their one number`);
  return { ok: problems.length === 0, problems, rows: { answered: load.accepted, withRow, added: rowsAdded, cutOff: rowsAdded - withRow } };
}
