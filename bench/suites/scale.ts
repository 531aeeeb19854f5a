/**
 * Suite 4: channel count × firing rate. rpntd (untrained model of the shipped architecture for each N, 20 ms bins,
 * T = 20) at realistic rates (10–50 Hz per channel) and at 10× those. A configuration is sustained when no bin is
 * missing or stale, no spike is late, no bin's end-to-end latency exceeds the bin width and the publisher itself
 * kept its 1 ms cadence (otherwise the generator, not rpntd, is the limit and the row says so).
 */
import { runStream, type StreamRunResult } from '../lib/experiment';
import { benchModelRef, ensureBenchModels, type BenchModelSpec } from '../lib/models';
import { BLOCK_SAMPLES, SAMPLE_RATE_HZ, type SuiteContext } from './common';

export const SCALE_CHANNELS = [96, 192, 384, 1536, 10_000];
export const SCALE_RATES: Array<{ name: string; low: number; high: number }> = [
  { name: 'realistic 10–50 Hz', low: 10, high: 50 },
  { name: '10× (100–500 Hz)', low: 100, high: 500 },
];
/** Beyond the grid, to find where it breaks: N = 10 000 at 30× and 100× realistic rates. */
export const RAMP_RATES: Array<{ name: string; low: number; high: number }> = [
  { name: '30× (300–1500 Hz)', low: 300, high: 1500 },
  { name: '100× (1–5 kHz)', low: 1000, high: 5000 },
];
export const SCALE_BIN_MS = 20;
export const SCALE_WINDOW = 20;

export function scaleModelSpecs(ctx: SuiteContext): BenchModelSpec[] {
  return SCALE_CHANNELS.map((n) => ({
    name: `scale-n${n}-t${SCALE_WINDOW}-b${SCALE_BIN_MS}-d${ctx.model.dModel}l${ctx.model.layers}`,
    channels: n,
    windowBins: SCALE_WINDOW,
    binMs: SCALE_BIN_MS,
    dModel: ctx.model.dModel,
    layers: ctx.model.layers,
    heads: ctx.model.heads,
  }));
}

export interface ScaleRow {
  channels: number;
  rate: string;
  spikesPerSecond: number;
  spikesPerMessage: number;
  sustained: boolean;
  /** Why not, when not. */
  limitedBy: string;
  run: StreamRunResult;
}

export interface ScaleSuiteResult {
  binMs: number;
  windowBins: number;
  rows: ScaleRow[];
  /** Highest total spike rate (spikes/s) sustained in the grid. */
  highestSustainedSpikesPerSecond: number;
  highestSustainedConfig: string;
}

export async function runScaleSuite(ctx: SuiteContext): Promise<ScaleSuiteResult> {
  const specs = scaleModelSpecs(ctx);
  ensureBenchModels(specs, ctx.say);
  const rows: ScaleRow[] = [];
  const bins = ctx.quick ? 30 : 300;
  for (const spec of specs) {
    const rates = spec.channels === SCALE_CHANNELS[SCALE_CHANNELS.length - 1] ? (ctx.quick ? SCALE_RATES : [...SCALE_RATES, ...RAMP_RATES]) : SCALE_RATES;
    for (const rate of rates) {
      const stream = {
        channels: spec.channels,
        rateLowHz: rate.low,
        rateHighHz: rate.high,
        sampleRateHz: SAMPLE_RATE_HZ,
        blockSamples: BLOCK_SAMPLES,
        seed: ctx.seed + spec.channels,
      };
      const run = await runStream({
        system: 'rpntd',
        stream,
        binMs: SCALE_BIN_MS,
        bins,
        warmupBins: SCALE_WINDOW + (ctx.quick ? 5 : 15),
        model: benchModelRef(spec),
        tmpDir: ctx.tmpDir,
        provider: ctx.provider,
      });
      const totals = run.systemTotals as Record<string, number>;
      const reasons: string[] = [];
      // The publisher paces on absolute deadlines, so a send delayed by preemption is followed by catch-up: the
      // stream stays real-time on average. It is the limit only if it fell behind overall.
      const nominalS = run.publisher.messages / 1000;
      if (run.publisher.durationS > nominalS * 1.02 + 0.05) reasons.push(`generator fell behind (${run.publisher.durationS.toFixed(2)} s for ${nominalS.toFixed(2)} s of stream)`);
      if ((totals.spikesLate ?? 0) > 0) reasons.push(`${totals.spikesLate} late spikes`);
      if ((totals.windowsSkipped ?? 0) > 0) reasons.push(`${totals.windowsSkipped} windows skipped`);
      if (run.missing > 0) reasons.push(`${run.missing} bins missing`);
      if (run.stale > 0) reasons.push(`${run.stale} stale`);
      if (run.lateBins > 0) reasons.push(`${run.lateBins} bins with e2e > ${SCALE_BIN_MS} ms`);
      const row: ScaleRow = {
        channels: spec.channels,
        rate: rate.name,
        spikesPerSecond: run.spikesPerSecond,
        spikesPerMessage: Math.round((run.spikesPerSecond / 1000) * 10) / 10,
        sustained: reasons.length === 0,
        limitedBy: reasons.join('; '),
        run,
      };
      ctx.say(
        `scale: N=${spec.channels} ${rate.name}: ${run.spikesPerSecond} spikes/s, e2e p50 ${run.e2eUs.p50} p99 ${run.e2eUs.p99} µs, ` +
          `infer p99 ${run.stagesUs.infer?.p99} µs, publisher sends > 1 ms late: ${run.publisher.lateSends} → ${row.sustained ? 'sustained' : `NOT sustained (${row.limitedBy})`}`,
      );
      rows.push(row);
    }
  }
  const ok = rows.filter((r) => r.sustained).sort((a, b) => b.spikesPerSecond - a.spikesPerSecond);
  return {
    binMs: SCALE_BIN_MS,
    windowBins: SCALE_WINDOW,
    rows,
    highestSustainedSpikesPerSecond: ok[0]?.spikesPerSecond ?? 0,
    highestSustainedConfig: ok[0] ? `N=${ok[0].channels}, ${ok[0].rate}` : 'none',
  };
}
