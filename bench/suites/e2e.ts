/**
 * Suites 1–3 of issue 4: end-to-end latency of rpntd at 20 ms and 50 ms bins, the transport floor (bare ZeroMQ
 * relay) and the Python peer, all fed the same seeded stream, one after the other (never concurrently: on a small
 * host they would steal each other's cores).
 */
import { runStream, type StreamRunResult } from '../lib/experiment';
import { shippedAtBinWidth } from '../lib/models';
import type { StreamSpec } from '../lib/stream';
import { BLOCK_SAMPLES, SAMPLE_RATE_HZ, type SuiteContext } from './common';

export interface E2eSuiteResult {
  stream: StreamSpec;
  runs: StreamRunResult[];
}

export async function runE2eSuite(ctx: SuiteContext): Promise<E2eSuiteResult> {
  const { model, quick } = ctx;
  const stream: StreamSpec = {
    channels: model.channels,
    rateLowHz: 10,
    rateHighHz: 50,
    sampleRateHz: SAMPLE_RATE_HZ,
    blockSamples: BLOCK_SAMPLES,
    seed: ctx.seed,
  };
  // Window fill plus warm-up bins that are not measured (fewer in quick mode).
  const warmupBins = model.windowBins + (quick ? 10 : 25);
  const model20 = shippedAtBinWidth(model, 20);
  const model50 = shippedAtBinWidth(model, 50);
  const plan: Array<{ what: string; run: () => Promise<StreamRunResult> }> = [
    {
      what: `rpntd, 20 ms bins, ${quick ? 400 : 10_000} bins`,
      run: () => runStream({ system: 'rpntd', stream, binMs: 20, bins: quick ? 400 : 10_000, warmupBins, model: model20, tmpDir: ctx.tmpDir, provider: ctx.provider }),
    },
    {
      what: `transport floor at bin cadence (ZeroMQ relay forwarding every 20th message), ${quick ? 250 : 2000} messages out`,
      // Input hop: every 1 ms message, as for the daemon; output hop: one message per 20 ms, as the daemon's kinematics.
      run: () => runStream({ system: 'zmq-relay', stream, binMs: 20, relayEvery: 20, bins: quick ? 250 : 2000, warmupBins, model: model20, tmpDir: ctx.tmpDir }),
    },
    {
      what: `transport floor, dense (ZeroMQ relay forwarding every message), ${quick ? 2000 : 20_000} messages`,
      run: () => runStream({ system: 'zmq-relay', stream, binMs: 1, bins: quick ? 2000 : 20_000, warmupBins: 500, model: model20, tmpDir: ctx.tmpDir }),
    },
    {
      what: `python peer, 20 ms bins, ${quick ? 300 : 2000} bins`,
      run: () => runStream({ system: 'python-peer', stream, binMs: 20, bins: quick ? 300 : 2000, warmupBins, model: model20, tmpDir: ctx.tmpDir, provider: ctx.provider }),
    },
    {
      what: `rpntd, 50 ms bins, ${quick ? 150 : 1200} bins`,
      run: () => runStream({ system: 'rpntd', stream, binMs: 50, bins: quick ? 150 : 1200, warmupBins, model: model50, tmpDir: ctx.tmpDir, provider: ctx.provider }),
    },
  ];
  const runs: StreamRunResult[] = [];
  for (const step of plan) {
    ctx.say(`e2e: ${step.what} …`);
    const result = await step.run();
    result.label =
      result.system === 'zmq-relay'
        ? result.binMs === 1
          ? 'transport floor, dense (relay, every 1 ms message)'
          : `transport floor (relay, 1 msg per ${result.binMs} ms out)`
        : `${result.system} ${result.binMs} ms bins`;
    ctx.say(
      `e2e:   ${result.label}: n=${result.e2eUs.n}/${result.expected} p50 ${result.e2eUs.p50} µs p99 ${result.e2eUs.p99} µs ` +
        `p99.9 ${result.e2eUs.p999} µs max ${result.e2eUs.max} µs; missing ${result.missing}, late ${result.lateBins}`,
    );
    runs.push(result);
  }
  return { stream, runs };
}
