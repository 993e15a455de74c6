import type { BenchOptions } from '../options';
import type { Results } from '../results';
import type { Sink } from '../sink';

/** What every phase is given: the settings, the sink, a temporary folder of its own, and the results to fill in. */
export interface PhaseContext {
  options: BenchOptions;
  sink: Sink;
  dir: string;
  results: Results;
}

/** An anchor this machine cannot run (Kannel not installed, MariaDB not reachable): left out of the table, or under CI a failure. */
export class NotHere extends Error {}
