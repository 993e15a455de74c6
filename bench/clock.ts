/**
 * Microseconds of CLOCK_MONOTONIC: process.hrtime's clock, and the one V8 stamps CPU profile
 * samples with, so a window measured here selects the samples another process took in it.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A stretch of time on that clock: a measured load, a drain. */
export interface Window {
  fromUs: number;
  toUs: number;
}
