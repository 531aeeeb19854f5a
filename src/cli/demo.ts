import { decode as decodeMsgpack } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import { monotonicNs } from '../clock';
import { loadConfig, type ConfigOverrides } from '../config';
import { fractionToBins, kinematicColumn } from '../dataset/derived-dataset';
import type { Logger } from '../log';
import { startDaemon, type DaemonTotals } from '../pipeline';
import { resolveRecording } from '../replay/recording';
import { startReplayWorker } from '../replay/replay-thread';
import type { ReplaySummary } from '../replay/replay';
import { RunningR2, percentiles } from './decoding-score';

export interface DemoOptions {
  config?: string;
  /** Applied on top of the config file (tests use free ports). */
  overrides?: ConfigOverrides;
  dataset?: string;
  speed: number;
  from: number;
  to: number;
  view: boolean;
  /** Called with every scored output (tests compare them with an offline run of the model). */
  onOutput?: (binIndex: number, values: readonly number[]) => void;
  /** Print nothing (tests); the summary is still returned. */
  quiet?: boolean;
  log: Logger;
}

export interface DemoSummary {
  recording: string;
  simulated: boolean;
  model: string;
  binsDecoded: number;
  r2: { x: number; y: number; mean: number };
  modelCardTestR2: unknown;
  latencyUs: Record<string, { p50: number; p90: number; p99: number; p999: number; max: number }>;
  replay: ReplaySummary;
  daemon: DaemonTotals;
  /** Counters as Prometheus scraped them from /metrics just before the daemon stopped (name → value, labels summed). */
  metrics: Record<string, number>;
}

/** The published message, as far as the demo reads it (docs/PROTOCOL.md has all fields). */
interface KinematicsMessage {
  seq: number;
  bin_end: number;
  values: number[];
  stale: boolean;
  latency_us: Record<string, number>;
  source_sent_ns?: number | bigint | null;
}

const SPARK = '▁▂▃▄▅▆▇█';
/** Bins of history in the sparklines: keeps the view inside 80 columns. */
const HISTORY_BINS = 60;

/**
 * `npm start`: the daemon, a replay of the test split (real M1 data, or the built-in simulation where
 * ../shared/data is absent) on a worker thread, and a subscriber that scores decoded against true velocity live.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { log } = options;
  const config = loadConfig(options.config, options.overrides ?? {});
  const recording = resolveRecording(options.dataset);
  const say = options.quiet ? () => undefined : (line: string) => process.stdout.write(`${line}\n`);
  say(`rpntd demo: ${recording.description}`);
  if (recording.simulated) say('rpntd demo: ../shared/data was not found, so the decoded velocity is of a simulated population, not a real recording.');

  const daemon = await startDaemon(config, log);
  const binSamples = (config.ingest.rateHz * config.bin.binMs) / 1000;
  const dataset = recording.dataset;
  const cols = dataset.kinematicColumns.length;
  const vxCol = kinematicColumn(dataset, 'hand_vel_x_m_per_s');
  const vyCol = kinematicColumn(dataset, 'hand_vel_y_m_per_s');
  const { firstBin: firstScoredBin, endBin } = fractionToBins(dataset.bins, options.from, options.to);

  const subscriber = new zmq.Subscriber({ linger: 0 });
  subscriber.connect(config.publish.endpoint);
  subscriber.subscribe(config.publish.topic);

  const inputEndpoint = config.ingest.endpoints[0];
  const replay = startReplayWorker({
    datasetArg: options.dataset,
    endpoint: inputEndpoint,
    speed: options.speed,
    fromFraction: options.from,
    toFraction: options.to,
    // Start a window's length early so every scored bin is decoded with a full window, as the offline evaluation does.
    leadInBins: daemon.card.window_bins - 1,
    seed: 1,
    source: 'replay',
  });
  const stopReplay = () => replay.abort();
  process.once('SIGINT', stopReplay);
  process.once('SIGTERM', stopReplay);

  const r2x = new RunningR2();
  const r2y = new RunningR2();
  const latency: Record<string, number[]> = {};
  const history = { tx: [] as number[], dx: [] as number[], ty: [] as number[], dy: [] as number[] };
  let lastDrawMs = 0;
  let binsDecoded = 0;
  let outputsReceived = 0;

  const receiving = (async () => {
    for await (const [, body] of subscriber) {
      const receivedNs = monotonicNs();
      const message = decodeMsgpack(body, { useBigInt64: false }) as KinematicsMessage;
      outputsReceived++;
      const bin = Math.round(message.bin_end / binSamples) - 1;
      if (bin < firstScoredBin || bin >= endBin) continue;
      const tx = dataset.kinematics[bin * cols + vxCol];
      const ty = dataset.kinematics[bin * cols + vyCol];
      r2x.add(tx, message.values[0]);
      r2y.add(ty, message.values[1]);
      binsDecoded++;
      options.onOutput?.(bin, message.values);
      for (const [stage, us] of Object.entries(message.latency_us)) (latency[stage] ??= []).push(us);
      if (message.source_sent_ns != null) (latency.sent_to_received ??= []).push((receivedNs - Number(message.source_sent_ns)) / 1000);
      push(history.tx, tx);
      push(history.dx, message.values[0]);
      push(history.ty, ty);
      push(history.dy, message.values[1]);
      const nowMs = performance.now();
      if (nowMs - lastDrawMs > (options.view ? 200 : 5000)) {
        lastDrawMs = nowMs;
        if (options.quiet) continue;
        if (options.view && process.stdout.isTTY) drawView();
        else say(statusLine());
      }
    }
  })();

  function statusLine(): string {
    const [p50, p99] = percentiles(latency.total ?? [], [50, 99]);
    return `bins ${binsDecoded}  R² x ${fmt(r2x.value())} y ${fmt(r2y.value())}  ingest→publish p50 ${Math.round(p50)} µs p99 ${Math.round(p99)} µs`;
  }

  function drawView(): void {
    const lines = [
      `\x1b[1mrpntd\x1b[0m  model ${daemon.card.name} v${daemon.card.version} on ${daemon.executionProvider}`,
      `  ${recording.simulated ? '\x1b[33mSIMULATED population\x1b[0m' : `real recording ${dataset.name}`}  ·  split ${options.from}–${options.to}  ·  speed ×${options.speed}`,
      '',
      `  vx  true    ${spark(history.tx, history.dx)}`,
      `      decoded ${spark(history.dx, history.tx)}`,
      `  vy  true    ${spark(history.ty, history.dy)}`,
      `      decoded ${spark(history.dy, history.ty)}`,
      '',
      `  running R²   x ${fmt(r2x.value())}   y ${fmt(r2y.value())}   mean ${fmt((r2x.value() + r2y.value()) / 2)}   over ${binsDecoded} bins`,
      ...['total', 'infer', 'sent_to_received'].filter((k) => latency[k]).map((k) => {
        const [p50, p90, p99, max] = percentiles(latency[k], [50, 90, 99, 100]);
        return `  ${k.padEnd(17)} µs  p50 ${pad(p50)}  p90 ${pad(p90)}  p99 ${pad(p99)}  max ${pad(max)}`;
      }),
      daemonLine(daemon.totals()),
      '',
      ...(recording.simulated
        ? ['  No ../shared/data here: this is a simulated population, so a lower R² than the card\'s (real data) is expected.']
        : []),
      '  Ctrl-C ends the replay and prints the summary.',
    ];
    process.stdout.write(`\x1b[H\x1b[2J${lines.join('\n')}\n`);
  }

  let replaySummary: ReplaySummary;
  try {
    replaySummary = await replay.done;
  } finally {
    process.removeListener('SIGINT', stopReplay);
    process.removeListener('SIGTERM', stopReplay);
  }
  // Drain: every published message ingested, every full window decoded or counted as skipped, every output received.
  const windowBins = daemon.card.window_bins;
  await waitFor(() => daemon.totals().messagesReceived >= replaySummary.messages, 60_000);
  await waitFor(() => {
    const t = daemon.totals();
    return t.inferences + t.inferenceFailures + t.windowsSkipped >= t.binsClosed - (windowBins - 1);
  }, 5_000);
  await waitFor(() => outputsReceived >= daemon.totals().published, 2_000);
  const scraped = daemon.metricsUrl ? await scrapeCounters(`${daemon.metricsUrl}/metrics`) : {};
  await daemon.stop();
  subscriber.close();
  await receiving.catch(() => undefined);

  const latencyUs: DemoSummary['latencyUs'] = {};
  for (const [stage, values] of Object.entries(latency)) {
    const [p50, p90, p99, p999, max] = percentiles(values, [50, 90, 99, 99.9, 100]);
    latencyUs[stage] = { p50, p90, p99, p999, max };
  }
  const summary: DemoSummary = {
    recording: recording.description,
    simulated: recording.simulated,
    model: `${daemon.card.name} v${daemon.card.version}`,
    binsDecoded,
    r2: { x: r2x.value(), y: r2y.value(), mean: (r2x.value() + r2y.value()) / 2 },
    modelCardTestR2: daemon.card.test_r2,
    latencyUs,
    replay: replaySummary,
    daemon: daemon.totals(),
    metrics: scraped,
  };
  const card = daemon.card.test_r2;
  const scoredBins = endBin - firstScoredBin;
  say('');
  say(`summary: decoded ${binsDecoded} of ${scoredBins} bins of the ${recording.simulated ? 'SIMULATED population' : `real recording ${dataset.name}`} (${summary.daemon.windowsSkipped} windows skipped while an inference ran)`);
  say(`summary: R² x ${fmt(summary.r2.x)}  y ${fmt(summary.r2.y)}  mean ${fmt(summary.r2.mean)}   (the model card's offline test R²: x ${fmt(card.x)}  y ${fmt(card.y)}  mean ${fmt(card.mean)})`);
  for (const [stage, label] of [['total', 'ingest→publish (daemon)'], ['sent_to_received', 'publisher sent→subscriber received']] as const) {
    const l = latencyUs[stage];
    if (l) say(`summary: latency ${label}: p50 ${Math.round(l.p50)} µs, p99 ${Math.round(l.p99)} µs, max ${Math.round(l.max)} µs`);
  }
  const d = summary.daemon;
  say(`summary: spikes published ${replaySummary.spikes}, received ${d.spikesReceived}, binned ${d.spikesBinned} (late ${d.spikesLate}, invalid ${d.spikesInvalid}, messages lost ${d.seqGaps})`);
  return summary;
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes (then carries on: the summary shows the gap). */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** The rpntd_*_total counters of a Prometheus text page, labels summed per name. */
async function scrapeCounters(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const counters: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^(rpntd_\w+_total)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match) counters[match[1]] = (counters[match[1]] ?? 0) + Number(match[2]);
  }
  return counters;
}

function daemonLine(t: DaemonTotals): string {
  return (
    `  spikes received ${t.spikesReceived}  binned ${t.spikesBinned}  late ${t.spikesLate}  invalid ${t.spikesInvalid}\n` +
    `  bins closed ${t.binsClosed}  inferences ${t.inferences}  windows skipped ${t.windowsSkipped}`
  );
}

function push(values: number[], v: number): void {
  values.push(v);
  if (values.length > HISTORY_BINS) values.shift();
}

/** A sparkline of `values`, scaled together with `other` so true and decoded lines share one axis. */
function spark(values: number[], other: number[]): string {
  const all = values.concat(other);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  return values.map((v) => SPARK[Math.min(SPARK.length - 1, Math.floor(((v - lo) / span) * SPARK.length))]).join('');
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '  –  ';
}

function pad(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x)).padStart(6) : '     –';
}
