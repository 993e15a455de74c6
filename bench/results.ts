/** Everything one bench run measured, filled in phase by phase and written to bench/results/latest.json. */
import type { ProfileSummary } from './cpuProfile';
import type { DrainRun } from './drain';
import type { BenchOptions } from './options';
import type { Memory } from './processes';
import type { LoadRun } from './wrk';

/** The four sendSms targets and the three drains, in table order. */
export const ACCEPT_TARGETS = ['koa', 'kannel', 'sqlite', 'mysql'] as const;
export type AcceptTarget = (typeof ACCEPT_TARGETS)[number];
export const DRAIN_TARGETS = ['kannel', 'sqlite', 'mysql'] as const;
export type DrainTarget = (typeof DRAIN_TARGETS)[number];

export interface AnswerCheck {
  ok: boolean;
  /** What is wrong, one line each; empty when ok. */
  problems: string[];
  /** Gateway targets: accepted answers, rows for their batch ids, rows added, and rows of requests cut off at wrk's deadline. */
  rows?: { answered: number; withRow: number; added: number; cutOff: number };
}

export interface GatewayDrain extends DrainRun {
  /** Rows in send (the backlog and the start-up probe), how many a delivery report reached, and when the last did
   * (seconds after release; null if not all within the limit). */
  rows: number;
  reported: number;
  reportsSeconds: number | null;
}

export interface Results {
  at: string;
  machine: { cores: number; node: string; loadAverageAtStart: number[]; cpuStealPercent: number | null };
  options: BenchOptions;
  accept: Partial<Record<AcceptTarget, LoadRun>>;
  checks: Partial<Record<AcceptTarget, AnswerCheck>>;
  drain: Partial<Record<'kannel', DrainRun> & Record<'sqlite' | 'mysql', GatewayDrain>>;
  /** Per process, at the end of its phase: "gateway SQLite accept", "Kannel bearerbox" … */
  memory: Record<string, Memory>;
  profiles: { process: string; window: string; summary: ProfileSummary }[];
  /** Anchors that could not run here (Kannel not installed …), and phases that failed, with why. */
  leftOut: string[];
  failed: string[];
}
