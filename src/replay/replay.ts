import * as zmq from 'zeromq';
import { monotonicNs } from '../clock';
import { encodeSpikeMessage } from '../ingest';
import { DerivedDataset, fractionToBins } from '../dataset/derived-dataset';
import { ZmqError } from '../errors';
import type { Logger } from '../log';
import { BinnedSpikeStream } from './binned-spike-stream';

export interface ReplayOptions {
  dataset: DerivedDataset;
  /** Where to bind the PUB socket (acquisition systems bind; the daemon connects). */
  endpoint: string;
  /** Real time × speed; Infinity publishes as fast as the socket takes messages. */
  speed: number;
  fromFraction: number;
  toFraction: number;
  /** Start this many bins before `fromFraction`, so the first scored bin already has a full window behind it. */
  leadInBins?: number;
  rateHz: number;
  /** Samples per message: 30 at 30 kHz is one message per millisecond, as acquisition systems send. */
  messageSamples: number;
  seed: number;
  source: string;
  /** Wait up to this long for a subscriber before the first message (PUB drops messages nobody subscribed to). */
  waitForSubscriberMs: number;
  log?: Logger;
  signal?: AbortSignal;
  /** Called after each bin's last message. */
  onBin?: (binIndex: number) => void;
}

export interface ReplaySummary {
  dataset: string;
  source: string;
  endpoint: string;
  rateHz: number;
  binSamples: number;
  firstBin: number;
  endBin: number;
  messages: number;
  spikes: number;
  wallSeconds: number;
  aborted: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Publishes a binned dataset as our spike protocol on a sample clock, paced at real time × speed. Uses an XPUB
 * socket so it can wait until a subscriber has actually subscribed: a plain PUB would silently drop the first
 * messages while the daemon connects, and then the spike totals would not add up.
 */
export async function replayDataset(options: ReplayOptions): Promise<ReplaySummary> {
  const { dataset, endpoint, speed, rateHz, messageSamples, seed, source } = options;
  const binSamples = (rateHz * dataset.binMs) / 1000;
  if (!Number.isInteger(binSamples)) {
    throw new RangeError(`rate ${rateHz} Hz × bin ${dataset.binMs} ms is ${binSamples} samples; pick a rate that makes it whole`);
  }
  const range = fractionToBins(dataset.bins, options.fromFraction, options.toFraction);
  const firstBin = Math.max(0, range.firstBin - (options.leadInBins ?? 0));
  const endBin = range.endBin;
  const stream = new BinnedSpikeStream({ counts: dataset.counts, units: dataset.units, firstBin, endBin, binSamples, messageSamples, seed });

  // noDrop: at --speed max a full queue makes send() wait (backpressure) instead of dropping messages silently.
  const socket = new zmq.XPublisher({ sendHighWaterMark: 100_000, linger: 2000, noDrop: true });
  try {
    await socket.bind(endpoint);
  } catch (err) {
    socket.close();
    throw new ZmqError(
      `replay could not bind ${endpoint}: ${(err as Error).message}; --endpoint takes transport://address:port (e.g. tcp://127.0.0.1:5555) on a free port`,
      { cause: err },
    );
  }
  const summary: ReplaySummary = {
    dataset: dataset.name, source, endpoint, rateHz, binSamples, firstBin, endBin, messages: 0, spikes: 0, wallSeconds: 0, aborted: false,
  };
  try {
    await waitForSubscription(socket, options.waitForSubscriberMs, options.log);
    const messageMs = (messageSamples / rateHz) * 1000;
    const startMs = performance.now();
    let seq = 0;
    for (const message of stream.messages()) {
      if (options.signal?.aborted) {
        summary.aborted = true;
        break;
      }
      if (Number.isFinite(speed)) {
        const dueMs = startMs + (seq * messageMs) / speed;
        const aheadMs = dueMs - performance.now();
        if (aheadMs >= 1) await sleep(aheadMs);
      }
      const frames = encodeSpikeMessage({
        source,
        seq,
        rateHz,
        t0Samples: message.t0Samples,
        t1Samples: message.t1Samples,
        offsets: message.offsets,
        channels: message.channels,
        sentNs: monotonicNs(),
      });
      await socket.send(frames);
      seq++;
      summary.messages++;
      summary.spikes += message.offsets.length;
      if (message.t1Samples === (message.binIndex + 1) * binSamples) options.onBin?.(message.binIndex);
    }
    summary.wallSeconds = (performance.now() - startMs) / 1000;
  } finally {
    socket.close();
  }
  return summary;
}

async function waitForSubscription(socket: zmq.XPublisher, timeoutMs: number, log?: Logger): Promise<void> {
  if (timeoutMs <= 0) return;
  try {
    socket.receiveTimeout = timeoutMs;
    const [frame] = await socket.receive();
    if (frame[0] === 1) return; // 1 = subscribe, 0 = unsubscribe
  } catch {
    log?.warn({ timeoutMs }, 'replay: no subscriber after waiting; publishing anyway');
  }
}
