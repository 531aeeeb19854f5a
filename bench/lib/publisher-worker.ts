/**
 * Worker thread: the stand-in acquisition system. Binds an XPUB socket, waits for the first subscriber, then sends
 * one spikes message per 1 ms of sample time, paced against absolute deadlines (no drift), stamping sent_ns just
 * before each send. Between sends the thread sleeps in Atomics.wait (sub-100 µs wake-up, no spinning), so it costs
 * little CPU and its timers never share an event loop with a measured system.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as zmq from 'zeromq';
import { encodeSpikeMessage } from '../../src/ingest';
import { SpikeSource, type StreamSpec } from './stream';

export interface PublisherWorkerData {
  endpoint: string;
  stream: StreamSpec;
  /** Stream length in messages (= ms of sample time). */
  messages: number;
  source: string;
  /** Wait after the first subscription before the clock starts, ms (lets every peer connect). */
  settleMs: number;
  /** Give up waiting for a subscriber after this long, ms. */
  subscribeTimeoutMs: number;
}

export interface PublisherResult {
  messages: number;
  spikes: number;
  /** Send time minus deadline, µs: how well the publisher kept the 1 ms cadence. */
  lagUs: { p50: number; p99: number; max: number };
  /** Messages sent more than 1 ms after their deadline. */
  lateSends: number;
  durationS: number;
  meanSpikesPerMessage: number;
}

const data = workerData as PublisherWorkerData;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function sleepUntil(deadlineNs: number): void {
  const remainingMs = (deadlineNs - nowNs()) / 1e6;
  if (remainingMs > 0.02) Atomics.wait(sleepCell, 0, 0, remainingMs);
}

async function main(): Promise<void> {
  const socket = new zmq.XPublisher({ linger: 0, sendHighWaterMark: 100_000 });
  await socket.bind(data.endpoint);
  parentPort!.postMessage({ type: 'bound' });

  // Wait for a subscription (first byte 1) so no message goes to nobody.
  const subscribed = (async () => {
    for await (const [frame] of socket) {
      if (frame.length > 0 && frame[0] === 1) return true;
    }
    return false;
  })();
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), data.subscribeTimeoutMs));
  if (!(await Promise.race([subscribed, timeout]))) {
    throw new Error(`no subscriber connected to ${data.endpoint} within ${data.subscribeTimeoutMs} ms`);
  }
  await new Promise((resolve) => setTimeout(resolve, data.settleMs));

  const source = new SpikeSource(data.stream);
  const blockNs = (data.stream.blockSamples / data.stream.sampleRateHz) * 1e9;
  const lags = new Float64Array(data.messages);
  let spikes = 0;
  let lateSends = 0;
  const startNs = nowNs() + 1e6;
  let aborted = false;
  parentPort!.on('message', (m) => {
    if (m === 'abort') aborted = true;
  });
  for (let k = 0; k < data.messages && !aborted; k++) {
    const t0 = k * data.stream.blockSamples;
    const count = source.nextBlock();
    // Deadline: the block's last sample has been acquired.
    const deadline = startNs + (k + 1) * blockNs;
    sleepUntil(deadline);
    const sentNs = nowNs();
    const frames = encodeSpikeMessage({
      source: data.source,
      seq: k,
      rateHz: data.stream.sampleRateHz,
      t0Samples: t0,
      t1Samples: t0 + data.stream.blockSamples,
      offsets: source.offsets.subarray(0, count),
      channels: source.channels.subarray(0, count),
      sentNs,
    });
    await socket.send(frames);
    const lagUs = (sentNs - deadline) / 1000;
    lags[k] = lagUs;
    if (lagUs > 1000) lateSends++;
    spikes += count;
    // Let I/O callbacks run now and then without giving up precision (a macrotask turn every 50 ms).
    if (k % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  const sorted = lags.slice().sort();
  const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
  const result: PublisherResult = {
    messages: data.messages,
    spikes,
    lagUs: { p50: pick(50), p99: pick(99), max: sorted[sorted.length - 1] ?? NaN },
    lateSends,
    durationS: (nowNs() - startNs) / 1e9,
    meanSpikesPerMessage: source.meanSpikesPerBlock,
  };
  // Let the last messages leave before the socket closes.
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.close();
  parentPort!.postMessage({ type: 'done', result });
}

main().catch((error: unknown) => {
  parentPort!.postMessage({ type: 'error', message: (error as Error).stack ?? String(error) });
});
