/**
 * One streamed measurement: publisher (worker thread) → system under test (own process) → measuring subscriber
 * (this process). The same seed gives every system the same stream.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Collector, type Received } from './collector';
import { startPublisher } from './publisher';
import type { PublisherResult } from './publisher-worker';
import { distribution, roundDistribution, type Distribution } from './stats';
import type { StreamSpec } from './stream';
import { freePort, startDaemonProcess, startPythonPeer, startRelayProcess, type SystemHandle } from './systems';

export type SystemKind = 'rpntd' | 'zmq-relay' | 'python-peer';

export interface ModelRef {
  onnx: string;
  card: string;
  windowBins: number;
  dModel: number;
  layers: number;
  heads: number;
}

export interface StreamRunOptions {
  system: SystemKind;
  stream: StreamSpec;
  /** Bins to measure after warm-up (the stream is as long as warm-up + these). */
  bins: number;
  binMs: number;
  /** Bins at the start that are not measured (window fill and warm-up). */
  warmupBins: number;
  model: ModelRef;
  kernel?: 'native' | 'ts';
  threads?: number;
  provider?: 'cpu' | 'cuda' | 'tensorrt';
  /** Relay only: forward every k-th message (the output hop at bin cadence); `binMs` is then k ms. */
  relayEvery?: number;
  tmpDir: string;
}

export interface StreamRunResult {
  system: SystemKind;
  label: string;
  channels: number;
  rateHz: [number, number];
  binMs: number;
  kernel?: string;
  threads: number;
  spikesPerSecond: number;
  /** Messages measured (bins for rpntd and the peer, 1 ms blocks for the relay). */
  measured: number;
  expected: number;
  e2eUs: Distribution;
  /** Daemon or peer overhead = e2e − infer, per message. */
  overheadUs?: Distribution;
  stagesUs: Record<string, Distribution>;
  /** Measured messages whose e2e exceeded one bin (the next bin was complete before this one was out). */
  lateBins: number;
  stale: number;
  /** Bins with no kinematics message in the measured range (skipped windows or PUB drops). */
  missing: number;
  systemTotals: Record<string, unknown>;
  /** The provider the daemon actually ran on (after any fallback). */
  executionProvider?: string;
  publisher: PublisherResult;
  /** Raw e2e sample (µs), kept only in memory for the CDF plots. */
  e2eSample?: number[];
  overheadSample?: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runStream(o: StreamRunOptions): Promise<StreamRunResult> {
  const [inPort, outPort] = [await freePort(), await freePort()];
  const input = `tcp://127.0.0.1:${inPort}`;
  const output = `tcp://127.0.0.1:${outPort}`;
  const binSamples = (o.stream.sampleRateHz * o.binMs) / 1000;
  const binsTotal = o.warmupBins + o.bins + 1;
  const messages = Math.ceil((binsTotal * binSamples) / o.stream.blockSamples);
  const threads = o.threads ?? 1;

  const publisher = startPublisher({
    endpoint: input,
    stream: o.stream,
    messages,
    source: 'bench',
    settleMs: o.system === 'python-peer' ? 800 : 500,
    subscribeTimeoutMs: 60_000,
  });
  await publisher.bound;

  let system: SystemHandle;
  if (o.system === 'rpntd') {
    system = startDaemonProcess({
      input,
      output,
      channels: o.stream.channels,
      binMs: o.binMs,
      modelPath: o.model.onnx,
      cardPath: o.model.card,
      kernel: o.kernel ?? 'native',
      intraOpThreads: threads,
      executionProvider: o.provider,
      configFile: path.join(o.tmpDir, `rpntd-${process.pid}-${inPort}.yaml`),
    });
  } else if (o.system === 'zmq-relay') {
    system = startRelayProcess(input, output, o.relayEvery ?? 1);
  } else {
    system = startPythonPeer({
      input,
      output,
      channels: o.stream.channels,
      binMs: o.binMs,
      windowBins: o.model.windowBins,
      dModel: o.model.dModel,
      layers: o.model.layers,
      heads: o.model.heads,
      threads,
    });
  }
  let collector: Collector | undefined;
  let publisherResult: PublisherResult;
  let totals: Record<string, unknown>;
  let readyInfo: Record<string, unknown> = {};
  try {
    readyInfo = await system.ready;
    collector = new Collector(output, o.system === 'zmq-relay' ? 'spikes' : 'kinematics');
    publisherResult = await publisher.done;
    await sleep(Math.max(500, o.binMs * 3));
  } finally {
    publisher.abort();
    totals = await system.stop().catch((e: unknown) => ({ stopError: String(e) }));
    await collector?.close();
  }

  const records = collector.records;
  const firstMeasured = o.warmupBins * binSamples;
  const lastMeasured = (o.warmupBins + o.bins) * binSamples;
  const inRange = (r: Received) => r.endSample > firstMeasured && r.endSample <= lastMeasured;
  const measured = records.filter(inRange);
  const unit = o.system === 'zmq-relay' ? o.stream.blockSamples * (o.relayEvery ?? 1) : binSamples;
  const expected = Math.round((lastMeasured - firstMeasured) / unit);
  const e2e = measured.map((r) => r.e2eUs).filter(Number.isFinite);
  const stageNames = new Set(measured.flatMap((r) => Object.keys(r.stagesUs)));
  const stagesUs: Record<string, Distribution> = {};
  for (const name of stageNames) {
    stagesUs[name] = roundDistribution(distribution(measured.map((r) => r.stagesUs[name]).filter((v) => typeof v === 'number')));
  }
  const overhead = measured
    .filter((r) => Number.isFinite(r.e2eUs) && typeof r.stagesUs.infer === 'number')
    .map((r) => r.e2eUs - r.stagesUs.infer);
  const binUs = o.binMs * 1000;
  const distinct = new Set(measured.map((r) => r.endSample));
  const totalRate = (o.stream.channels * (o.stream.rateLowHz + o.stream.rateHighHz)) / 2;
  return {
    system: o.system,
    label: `${o.system} N=${o.stream.channels} ${o.binMs} ms`,
    channels: o.stream.channels,
    rateHz: [o.stream.rateLowHz, o.stream.rateHighHz],
    binMs: o.binMs,
    kernel: o.system === 'rpntd' ? (o.kernel ?? 'native') : undefined,
    threads,
    spikesPerSecond: Math.round(totalRate),
    measured: measured.length,
    expected,
    e2eUs: roundDistribution(distribution(e2e)),
    overheadUs: overhead.length > 0 ? roundDistribution(distribution(overhead)) : undefined,
    stagesUs,
    lateBins: o.system === 'zmq-relay' ? 0 : e2e.filter((v) => v > binUs).length,
    stale: measured.filter((r) => r.stale).length,
    missing: Math.max(0, expected - distinct.size),
    systemTotals: totals,
    executionProvider: typeof readyInfo.executionProvider === 'string' ? readyInfo.executionProvider : undefined,
    publisher: publisherResult!,
    e2eSample: e2e,
    overheadSample: overhead.length > 0 ? overhead : undefined,
  };
}

export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}
