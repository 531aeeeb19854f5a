/**
 * Scores a stream of decoded values against the truth, one output at a time: R² = 1 − SS_res / SS_tot with
 * SS_tot around the mean of the scored samples (the same definition the training package's `evaluate` uses), and
 * latency percentiles over everything recorded.
 */
export class RunningR2 {
  private n = 0;
  private sumTrue = 0;
  private sumTrueSq = 0;
  private sumResidualSq = 0;

  add(truth: number, decoded: number): void {
    this.n++;
    this.sumTrue += truth;
    this.sumTrueSq += truth * truth;
    this.sumResidualSq += (truth - decoded) * (truth - decoded);
  }

  get count(): number {
    return this.n;
  }

  /** NaN until two samples with different truths have been added. */
  value(): number {
    const ssTotal = this.sumTrueSq - (this.sumTrue * this.sumTrue) / this.n;
    return this.n > 1 && ssTotal > 0 ? 1 - this.sumResidualSq / ssTotal : NaN;
  }
}

/** Nearest-rank percentile of an unsorted sample (copied and sorted once per call). */
export function percentiles(values: ArrayLike<number>, ps: number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return ps.map(() => NaN);
  return ps.map((p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
}
