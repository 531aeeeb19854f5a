/**
 * CLOCK_MONOTONIC in nanoseconds as a plain number, the clock every `…Ns` stamp uses (docs/ARCHITECTURE.md, "Clocks
 * and units"); a publisher on the same host stamps sent_ns with the same clock (Python time.monotonic_ns()).
 * A number is exact up to 2^53 ns (104 days of uptime) and within a few ns after that, far below what we measure.
 */
export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}
