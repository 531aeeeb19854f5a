/** Latency statistics for the benches: nearest-rank percentiles over a sample, and a compact distribution summary. */

export interface Distribution {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
}

/**
 * Nearest-rank percentile: the smallest sample such that at least p % of the sample is <= it. For p = 100 this is
 * the max; an empty sample gives NaN. `sorted` must be ascending.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // The epsilon keeps p·n that is whole in decimal (99.9 % of 1000) from rounding up through floating-point error.
  const rank = Math.ceil((p / 100) * n - 1e-9);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))];
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = sortedCopy(values);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    n: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p90: percentileOfSorted(sorted, 90),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
    min: sorted.length > 0 ? sorted[0] : Number.NaN,
    mean: sorted.length > 0 ? sum / sorted.length : Number.NaN,
  };
}

/**
 * Points of the empirical CDF for plotting, thinned to at most `maxPoints` (always keeping the tail: the plot's
 * interesting part is p99 and beyond, so points are spaced evenly in log(1 − F) rather than in F).
 */
export function cdfPoints(values: ArrayLike<number>, maxPoints = 200): Array<[number, number]> {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return [];
  const points: Array<[number, number]> = [];
  const seen = new Set<number>();
  const minTail = 1 / n;
  for (let i = 0; i < maxPoints; i++) {
    // tail fraction from 1 down to 1/n, log-spaced
    const tail = Math.exp(Math.log(minTail) * (i / (maxPoints - 1)));
    const index = Math.min(n - 1, Math.max(0, Math.ceil((1 - tail) * n)));
    if (seen.has(index)) continue;
    seen.add(index);
    // Midpoint plotting position: the max sits at 1 − 0.5/n, not at 1 (which a tail axis cannot show).
    points.push([sorted[index], (index + 0.5) / n]);
  }
  return points.sort((a, b) => a[1] - b[1]);
}

/** Rounds for JSON: microseconds to 0.1 µs, rates to 3 significant digits are done by callers; this keeps NaN as null. */
export function round1(x: number): number {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : Number.NaN;
}

export function roundDistribution(d: Distribution): Distribution {
  return {
    n: d.n,
    p50: round1(d.p50),
    p90: round1(d.p90),
    p99: round1(d.p99),
    p999: round1(d.p999),
    max: round1(d.max),
    min: round1(d.min),
    mean: round1(d.mean),
  };
}
