/**
 * Suite 5: the binning kernels. Native (C++ addon) against the TypeScript twin, at batch sizes a 1 ms message
 * really carries (channels × rate × 1 ms) and at large batches, against the memory-bandwidth bound of the same data
 * (a plain copy of the offsets and channels arrays), in events (spikes) per second on one core. Also the whole bin
 * stage (SpikeBinner.push, bookkeeping included) per 1 ms message with each kernel.
 */
import { SpikeBinner } from '../../src/bin';
import { decodeSpikeMessage, encodeSpikeMessage } from '../../src/ingest';
import { countSpikesTs, loadNativeAddon, type CountSpikes, TALLY_LENGTH } from '../../native';
import { createLogger } from '../../src/log';
import { SpikeSource } from '../lib/stream';
import type { SuiteContext } from './common';

export interface KernelRow {
  scenario: string;
  channels: number;
  batch: number;
  nativeEventsPerS: number;
  tsEventsPerS: number;
  nativeNsPerCall: number;
  tsNsPerCall: number;
  /** native / ts */
  speedup: number;
  /** A plain copy of the same offsets + channels arrays (TypedArray.set into preallocated arrays), events/s. */
  copyEventsPerS: number;
}

export interface BinnerRow {
  scenario: string;
  channels: number;
  meanBatch: number;
  nativeNsPerMessage: number;
  tsNsPerMessage: number;
  /** Share of messages whose offsets array the codec had to copy (unaligned msgpack payload). */
  codecCopiedOffsetsShare?: number;
}

export interface KernelSuiteResult {
  rows: KernelRow[];
  binner: BinnerRow[];
  /** Plain copy of the same arrays as the peak row (the bound for that data). */
  copyBoundEventsPerS: number;
  /** The same copy on arrays far larger than the caches (DRAM streaming). */
  dramCopyEventsPerS: number;
  copyBytesPerEvent: number;
  /** Kernel call with zero spikes: the fixed per-call cost. */
  emptyCallNs: { native: number; ts: number };
  peak: { nativeEventsPerS: number; tsEventsPerS: number; batch: number };
  /** At the daemon's real cadence (shipped model's channel count, 10–50 Hz, 1 ms messages). */
  realCadence: { batch: number; nativeEventsPerS: number; tsEventsPerS: number };
  threshold: string;
}

const BIN_SAMPLES = 600; // 20 ms at 30 kHz
const RING_BINS = 64;

function now(): number {
  return Number(process.hrtime.bigint());
}

/** Best of `repeats` timed loops of at least `minMs` each: events per second and ns per call. */
function timeKernel(kernel: CountSpikes, offsets: Uint32Array, channels: Uint16Array, span: number, channelCount: number, minMs: number, repeats: number): { eventsPerS: number; nsPerCall: number } {
  const ring = new Float32Array(RING_BINS * channelCount);
  const tally = new Float64Array(TALLY_LENGTH);
  const t0 = 10 * BIN_SAMPLES;
  const lowest = 10;
  let best = Infinity;
  // Calibrate the loop count.
  let calls = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < calls; i++) kernel(offsets, channels, t0, t0 + span, ring, RING_BINS, channelCount, BIN_SAMPLES, lowest, tally);
    const elapsed = (now() - start) / 1e6;
    if (elapsed > minMs / 4 || calls > 1e8) break;
    calls *= 4;
  }
  calls = Math.max(calls * 4, 1);
  for (let r = 0; r < repeats; r++) {
    const start = now();
    for (let i = 0; i < calls; i++) kernel(offsets, channels, t0, t0 + span, ring, RING_BINS, channelCount, BIN_SAMPLES, lowest, tally);
    best = Math.min(best, (now() - start) / calls);
  }
  return { eventsPerS: offsets.length > 0 ? (offsets.length / best) * 1e9 : 0, nsPerCall: best };
}

function batchOf(channels: number, batch: number, span: number, seed: number): { offsets: Uint32Array; channels: Uint16Array } {
  const src = new SpikeSource({ channels, rateLowHz: 10, rateHighHz: 50, sampleRateHz: 30000, blockSamples: span, seed });
  const offsets = new Uint32Array(batch);
  const chans = new Uint16Array(batch);
  let filled = 0;
  while (filled < batch) {
    const n = src.nextBlock();
    for (let i = 0; i < n && filled < batch; i++, filled++) {
      offsets[filled] = src.offsets[i];
      chans[filled] = src.channels[i];
    }
  }
  return { offsets, channels: chans };
}

/** Copies `offsets` and `channels` into preallocated, already-touched arrays: best of `repeats` loops, events/s. */
function copyRate(offsets: Uint32Array, channels: Uint16Array, minMs: number, repeats: number): number {
  const dstO = new Uint32Array(offsets.length).fill(1);
  const dstC = new Uint16Array(channels.length).fill(1);
  let calls = 1;
  for (;;) {
    const start = now();
    for (let i = 0; i < calls; i++) {
      dstO.set(offsets);
      dstC.set(channels);
    }
    if ((now() - start) / 1e6 > minMs / 4 || calls > 1e8) break;
    calls *= 4;
  }
  calls *= 4;
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const start = now();
    for (let i = 0; i < calls; i++) {
      dstO.set(offsets);
      dstC.set(channels);
    }
    best = Math.min(best, (now() - start) / calls);
  }
  return (offsets.length / best) * 1e9;
}

/** DRAM streaming bound: the same copy on arrays far larger than the caches. */
function copyBound(events: number, minMs: number, repeats: number): number {
  const offsets = new Uint32Array(events).map((_, i) => i % 30);
  const channels = new Uint16Array(events).map((_, i) => i % 384);
  return copyRate(offsets, channels, minMs, repeats);
}

/**
 * SpikeBinner.push per message on batches exactly as the daemon sees them: encoded by encodeSpikeMessage and decoded
 * by decodeSpikeMessage (typed-array views into the received frame where the msgpack payload is aligned, small
 * copies where it is not). Which of those a batch gets matters to the native kernel: a typed array of ≤ 64 bytes
 * copied by the codec lives on V8's heap, and the first N-API access to it moves it off-heap (an allocation).
 */
function binnerPerMessage(kernel: 'native' | 'ts', channels: number, low: number, high: number, messages: number, repeats: number): { ns: number; meanBatch: number; copiedShare: number } {
  const src = new SpikeSource({ channels, rateLowHz: low, rateHighHz: high, sampleRateHz: 30000, blockSamples: 30, seed: 7 });
  const frames: Array<[Buffer, Buffer]> = [];
  let spikes = 0;
  for (let k = 0; k < messages; k++) {
    const n = src.nextBlock();
    spikes += n;
    frames.push(encodeSpikeMessage({ source: 'bench', seq: k, rateHz: 30000, t0Samples: k * 30, t1Samples: (k + 1) * 30, offsets: src.offsets.subarray(0, n), channels: src.channels.subarray(0, n), sentNs: k }));
  }
  let best = Infinity;
  let copied = 0;
  const log = createLogger('bench', 'silent');
  for (let r = 0; r < repeats; r++) {
    // Decoded fresh for every repeat: the first native access to a small on-heap copy is what costs.
    const batches = frames.map(([topic, body]) => decodeSpikeMessage(topic, body, 0));
    copied = batches.filter((b, i) => b.offsets.length > 0 && b.offsets.buffer !== frames[i][1].buffer).length / batches.length;
    const binner = new SpikeBinner({ channels, rateHz: 30000, binSamples: BIN_SAMPLES, kernel, log });
    let closed = 0;
    const onClosed = () => {
      closed++;
    };
    const start = now();
    for (const b of batches) binner.push(b, onClosed);
    best = Math.min(best, (now() - start) / messages);
    if (closed === 0) throw new Error('binner closed no bins');
  }
  return { ns: best, meanBatch: spikes / messages, copiedShare: copied };
}

export async function runKernelSuite(ctx: SuiteContext): Promise<KernelSuiteResult> {
  const native = loadNativeAddon().countSpikes;
  const minMs = ctx.quick ? 30 : 200;
  const repeats = ctx.quick ? 3 : 7;
  const shippedN = ctx.model.channels;
  const realBatch = Math.max(1, Math.round((shippedN * 30) / 1000));
  const scenarios: Array<{ scenario: string; channels: number; batch: number; span: number }> = [
    { scenario: 'N=96 @ 30 Hz, 1 ms', channels: 96, batch: 3, span: 30 },
    { scenario: `N=${shippedN} (shipped) @ 30 Hz, 1 ms`, channels: shippedN, batch: realBatch, span: 30 },
    { scenario: 'N=384 @ 30 Hz, 1 ms', channels: 384, batch: 12, span: 30 },
    { scenario: 'N=1536 @ 30 Hz, 1 ms', channels: 1536, batch: 46, span: 30 },
    { scenario: 'N=10000 @ 30 Hz, 1 ms', channels: 10000, batch: 300, span: 30 },
    { scenario: 'N=10000 @ 300 Hz, 1 ms', channels: 10000, batch: 3000, span: 30 },
    { scenario: 'N=10000, one 20 ms bin', channels: 10000, batch: 60000, span: 600 },
    { scenario: 'N=384, 262144 spikes in one bin', channels: 384, batch: 262144, span: 600 },
    // A block spanning 10 bins: the per-spike division path (blocks that straddle bin edges).
    { scenario: 'N=384, 200 ms block (10 bins)', channels: 384, batch: 262144, span: 6000 },
  ];
  const rows: KernelRow[] = [];
  for (const s of scenarios) {
    const data = batchOf(s.channels, s.batch, s.span, ctx.seed + s.batch);
    const n = timeKernel(native, data.offsets, data.channels, s.span, s.channels, minMs, repeats);
    const t = timeKernel(countSpikesTs, data.offsets, data.channels, s.span, s.channels, minMs, repeats);
    const copyEventsPerS = copyRate(data.offsets, data.channels, minMs, repeats);
    const row: KernelRow = {
      scenario: s.scenario,
      channels: s.channels,
      batch: s.batch,
      nativeEventsPerS: Math.round(n.eventsPerS),
      tsEventsPerS: Math.round(t.eventsPerS),
      nativeNsPerCall: Math.round(n.nsPerCall),
      tsNsPerCall: Math.round(t.nsPerCall),
      speedup: Math.round((n.eventsPerS / t.eventsPerS) * 100) / 100,
      copyEventsPerS: Math.round(copyEventsPerS),
    };
    ctx.say(`kernels: ${s.scenario} (batch ${s.batch}): native ${(row.nativeEventsPerS / 1e6).toFixed(1)} M/s (${row.nativeNsPerCall} ns/call), ts ${(row.tsEventsPerS / 1e6).toFixed(1)} M/s (${row.tsNsPerCall} ns/call), copy ${(row.copyEventsPerS / 1e6).toFixed(0)} M/s`);
    rows.push(row);
  }
  const empty = { offsets: new Uint32Array(0), channels: new Uint16Array(0) };
  const emptyNative = timeKernel(native, empty.offsets, empty.channels, 30, 384, minMs, repeats).nsPerCall;
  const emptyTs = timeKernel(countSpikesTs, empty.offsets, empty.channels, 30, 384, minMs, repeats).nsPerCall;
  ctx.say(`kernels: empty call: native ${emptyNative.toFixed(0)} ns, ts ${emptyTs.toFixed(0)} ns`);
  const dram = copyBound(ctx.quick ? 1 << 21 : 1 << 24, minMs, repeats);
  ctx.say(`kernels: DRAM copy bound (TypedArray.set of ${ctx.quick ? 2 : 16} Mi events, 6 B/event): ${(dram / 1e6).toFixed(0)} M events/s`);

  const binner: BinnerRow[] = [];
  const messages = ctx.quick ? 3000 : 40_000;
  for (const [channels, low, high, label] of [
    [shippedN, 10, 50, `N=${shippedN} (shipped), 10–50 Hz`],
    [384, 10, 50, 'N=384, 10–50 Hz'],
    [10000, 10, 50, 'N=10000, 10–50 Hz'],
    [10000, 100, 500, 'N=10000, 100–500 Hz'],
  ] as Array<[number, number, number, string]>) {
    const nat = binnerPerMessage('native', channels, low, high, messages, 3);
    const ts = binnerPerMessage('ts', channels, low, high, messages, 3);
    binner.push({ scenario: label, channels, meanBatch: Math.round(nat.meanBatch * 10) / 10, nativeNsPerMessage: Math.round(nat.ns), tsNsPerMessage: Math.round(ts.ns) });
    binner[binner.length - 1].codecCopiedOffsetsShare = Math.round(nat.copiedShare * 100) / 100;
    ctx.say(`kernels: SpikeBinner.push ${label} (mean ${nat.meanBatch.toFixed(1)} spikes/msg): native ${nat.ns.toFixed(0)} ns/msg, ts ${ts.ns.toFixed(0)} ns/msg`);
  }
  const peakRow = rows.reduce((a, b) => (b.nativeEventsPerS > a.nativeEventsPerS ? b : a));
  const real = rows[1];
  return {
    rows,
    binner,
    copyBoundEventsPerS: peakRow.copyEventsPerS,
    dramCopyEventsPerS: Math.round(dram),
    copyBytesPerEvent: 6,
    emptyCallNs: { native: Math.round(emptyNative), ts: Math.round(emptyTs) },
    peak: { nativeEventsPerS: peakRow.nativeEventsPerS, tsEventsPerS: peakRow.tsEventsPerS, batch: peakRow.batch },
    realCadence: { batch: real.batch, nativeEventsPerS: real.nativeEventsPerS, tsEventsPerS: real.tsEventsPerS },
    threshold: 'not measured: no threshold-crossing kernel exists in native/ yet (only bin counting)',
  };
}
