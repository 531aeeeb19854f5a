import { monotonicNs } from '../clock';
import { ConfigError } from '../errors';
import type { SpikeBatch } from '../ingest';
import { createLogger, RateLimitedWarn, type Logger } from '../log';
import {
  TALLY_AHEAD,
  TALLY_BINNED,
  TALLY_INVALID,
  TALLY_LATE,
  TALLY_LENGTH,
  countSpikesTs,
  loadNativeAddon,
  type CountSpikes,
} from '../../native';
import type { ClosedBin } from './types';

export type BinKernel = 'native' | 'ts';

export interface SpikeBinnerOptions {
  /** Channels per bin; spikes on channel >= this are invalid. 1..65536. */
  channels: number;
  /** The acquisition sample rate every message must state, Hz. */
  rateHz: number;
  /** Samples per bin (rateHz · binMs / 1000), a positive integer. */
  binSamples: number;
  /** Sources that must all report past a bin before it closes; empty or absent: every source seen so far. */
  expectedSources?: readonly string[];
  /**
   * Open bins the ring holds; default 64. Must exceed the bins one message spans plus the bins the fastest source
   * may run ahead of the slowest; beyond that the oldest open bins are force-closed (counted, warned).
   */
  ringBins?: number;
  /** Which counting kernel to use; default 'native'. Both give identical counts. */
  kernel?: BinKernel;
  log?: Logger;
}

/** Counters read at scrape time. Invariant: spikesReceived = spikesBinned + spikesLate + spikesInvalid + spikesAhead. */
export interface BinStats {
  /** Spikes of accepted batches. */
  spikesReceived: number;
  spikesBinned: number;
  /** In a bin that had already closed. */
  spikesLate: number;
  /** Channel >= channels, or offset outside [0, t1 − t0). */
  spikesInvalid: number;
  /** Beyond the ring; zero by construction here (the ring is made room for first), kept so the sum is checkable. */
  spikesAhead: number;
  batchesAccepted: number;
  /** Batches refused whole (wrong rate, or a source not in expectedSources); their spikes are in spikesRejected. */
  batchesRejected: number;
  spikesRejected: number;
  /** Messages whose seq was not the previous seq of their source + 1. */
  seqGaps: number;
  /** Messages starting after the previous t1 of their source (samples nobody reported). */
  sampleGaps: number;
  /** Messages starting before the previous t1 of their source (samples reported twice). */
  overlaps: number;
  binsClosed: number;
  /** Closed before every expected source reported past them, to make room in the ring; included in binsClosed. */
  binsForcedClosed: number;
  /** Bins passed over without an emit because no spike could be in them (a jump larger than the ring). */
  binsSkipped: number;
  /**
   * Messages whose t0 was more than the ring's span (ringBins bins) away from their source's previous t1: a
   * publisher restart or a clock jump. With one source the binner re-anchors on the new clock; with several the
   * batch is rejected (its spikes counted in spikesRejected), since the others still run on the old clock.
   */
  clockJumps: number;
  /**
   * Times a source stopped gating bin closing because it fell more than ringBins bins behind (dead or stalled); it
   * gates again from its next message.
   */
  sourcesDormant: number;
}

interface SourceState {
  lastSeq: number;
  lastT1Samples: number;
  /** Fell behind by more than the ring: bins close without waiting for it until it reports again. */
  dormant: boolean;
}

const DEFAULT_RING_BINS = 64;

function requireInteger(name: string, value: number, minimum: number, maximum = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < minimum || value > maximum) {
    throw new ConfigError(`SpikeBinner option ${name} must be an integer in [${minimum}, ${maximum}], got ${value}`);
  }
}


/**
 * The bin stage: counts each batch into a ring of open bins (one kernel call per batch) and closes bins on the
 * sample clock. Bin k covers samples [k·binSamples, (k+1)·binSamples) and closes when every expected source has
 * reported past its end (docs/ARCHITECTURE.md, "Bin closing").
 */
export class SpikeBinner {
  readonly stats: BinStats = {
    spikesReceived: 0,
    spikesBinned: 0,
    spikesLate: 0,
    spikesInvalid: 0,
    spikesAhead: 0,
    batchesAccepted: 0,
    batchesRejected: 0,
    spikesRejected: 0,
    seqGaps: 0,
    sampleGaps: 0,
    overlaps: 0,
    binsClosed: 0,
    binsForcedClosed: 0,
    binsSkipped: 0,
    clockJumps: 0,
    sourcesDormant: 0,
  };
  readonly channels: number;
  readonly rateHz: number;
  readonly binSamples: number;
  readonly ringBins: number;
  readonly kernel: BinKernel;

  readonly #countSpikes: CountSpikes;
  /** [ringBins, channels] float32: open bin k in row k % ringBins. */
  readonly #ring: Float32Array;
  /** One view per ring row, made once, handed out as ClosedBin.counts. */
  readonly #rowViews: Float32Array[];
  readonly #tally = new Float64Array(TALLY_LENGTH);
  readonly #expectedSources: ReadonlySet<string> | undefined;
  readonly #sources = new Map<string, SourceState>();
  /** Bins below this have closed; NaN until the first batch sets it from its t0. */
  #lowestOpenBin = Number.NaN;
  readonly #rejectWarn: RateLimitedWarn;
  readonly #gapWarn: RateLimitedWarn;
  readonly #forcedWarn: RateLimitedWarn;
  readonly #dropWarn: RateLimitedWarn;

  constructor(options: SpikeBinnerOptions) {
    requireInteger('channels', options.channels, 1, 65536);
    requireInteger('binSamples', options.binSamples, 1);
    const ringBins = options.ringBins ?? DEFAULT_RING_BINS;
    requireInteger('ringBins', ringBins, 1, Math.floor(2 ** 31 / options.channels));
    if (!(options.rateHz > 0) || !Number.isFinite(options.rateHz)) {
      throw new ConfigError(`SpikeBinner option rateHz must be a positive number of Hz, got ${options.rateHz}`);
    }
    this.channels = options.channels;
    this.rateHz = options.rateHz;
    this.binSamples = options.binSamples;
    this.ringBins = ringBins;
    this.kernel = options.kernel ?? 'native';
    this.#countSpikes = this.kernel === 'native' ? loadNativeAddon().countSpikes : countSpikesTs;
    this.#ring = new Float32Array(ringBins * options.channels);
    this.#rowViews = Array.from({ length: ringBins }, (_, row) =>
      this.#ring.subarray(row * options.channels, (row + 1) * options.channels),
    );
    const expected = options.expectedSources ?? [];
    this.#expectedSources = expected.length > 0 ? new Set(expected) : undefined;
    const log = options.log ?? createLogger('rpntd.bin');
    this.#rejectWarn = new RateLimitedWarn(log);
    this.#gapWarn = new RateLimitedWarn(log);
    this.#forcedWarn = new RateLimitedWarn(log);
    this.#dropWarn = new RateLimitedWarn(log);
  }

  /** The furthest sample any source has reported up to (its t1); -Infinity before the first batch. */
  get reportedT1Samples(): number {
    let t1 = -Infinity;
    for (const state of this.#sources.values()) if (state.lastT1Samples > t1) t1 = state.lastT1Samples;
    return t1;
  }

  /** The lowest bin index still open (NaN before the first batch). */
  get lowestOpenBin(): number {
    return this.#lowestOpenBin;
  }

  /**
   * Counts one batch and calls `onClosed` for every bin that closes as a result, oldest first. `bin.counts` is a
   * view into the ring that is zeroed for reuse as soon as `onClosed` returns: copy it there if you keep it.
   */
  push(batch: SpikeBatch, onClosed: (bin: ClosedBin) => void): void {
    const spikeCount = batch.offsets.length;
    if (!this.#accepts(batch)) {
      this.stats.batchesRejected++;
      this.stats.spikesRejected += spikeCount;
      return;
    }
    if (this.#isClockJump(batch)) {
      this.stats.clockJumps++;
      if (!this.#reanchor(batch, onClosed)) {
        this.stats.batchesRejected++;
        this.stats.spikesRejected += spikeCount;
        return;
      }
    }
    this.stats.batchesAccepted++;
    this.#trackSource(batch);
    if (Number.isNaN(this.#lowestOpenBin)) this.#lowestOpenBin = Math.floor(batch.t0Samples / this.binSamples);

    if (batch.t1Samples > batch.t0Samples) {
      const lastBin = Math.floor((batch.t1Samples - 1) / this.binSamples);
      const needLowestBin = lastBin - this.ringBins + 1;
      if (needLowestBin > this.#lowestOpenBin) {
        const forcedBins = Math.min(needLowestBin - this.#lowestOpenBin, this.ringBins);
        this.stats.binsForcedClosed += forcedBins;
        const lagging = this.#markLaggingDormant(needLowestBin * this.binSamples);
        if (this.#forcedWarn.due()) {
          this.#forcedWarn.warn(
            { source: batch.source, forcedBins, lowestOpenBin: this.#lowestOpenBin, laggingSources: lagging },
            `force-closing ${forcedBins} bins without every expected source: source "${batch.source}" is more than ` +
              `ringBins (${this.ringBins}) bins ahead of ${lagging.join(', ')}, which no longer hold bins open until ` +
              'they report again; raise bin.ringBins or fix the lagging source',
          );
        }
        this.#closeBelow(needLowestBin, batch, onClosed);
      }
    }

    if (spikeCount > 0) {
      const tally = this.#tally;
      this.#countSpikes(
        batch.offsets,
        batch.channels,
        batch.t0Samples,
        batch.t1Samples,
        this.#ring,
        this.ringBins,
        this.channels,
        this.binSamples,
        this.#lowestOpenBin,
        tally,
      );
      this.stats.spikesReceived += spikeCount;
      this.stats.spikesBinned += tally[TALLY_BINNED];
      this.stats.spikesLate += tally[TALLY_LATE];
      this.stats.spikesInvalid += tally[TALLY_INVALID];
      this.stats.spikesAhead += tally[TALLY_AHEAD];
      if (tally[TALLY_LATE] + tally[TALLY_INVALID] + tally[TALLY_AHEAD] > 0 && this.#dropWarn.due()) {
        this.#dropWarn.warn(
          { source: batch.source, late: tally[TALLY_LATE], invalid: tally[TALLY_INVALID], ahead: tally[TALLY_AHEAD] },
          `spikes not binned from source "${batch.source}" (late: bin already closed; invalid: channel >= ` +
            `${this.channels} or offset >= t1 - t0)`,
        );
      }
    }

    this.#closeBelow(Math.floor(this.#watermarkSamples() / this.binSamples), batch, onClosed);
  }

  /** Far from where its source left off, or, for a new source, far from the open bins: a restart or a clock jump. */
  #isClockJump(batch: SpikeBatch): boolean {
    const spanSamples = this.ringBins * this.binSamples;
    const state = this.#sources.get(batch.source);
    if (state !== undefined) {
      // seq 0 going back in time is a publisher that restarted, however short the step back.
      if (batch.seq === 0 && state.lastSeq !== 0 && batch.t0Samples < state.lastT1Samples) return true;
      return Math.abs(batch.t0Samples - state.lastT1Samples) > spanSamples;
    }
    if (Number.isNaN(this.#lowestOpenBin)) return false;
    return Math.abs(batch.t0Samples - this.#lowestOpenBin * this.binSamples) > spanSamples;
  }

  /**
   * After a clock jump: with no other live source, close what is open (its counts are real) and start again on the
   * new clock, as after a publisher restart; the window sees the jump in bin index and starts over. With other live
   * sources, they still run on the old clock, so the jumping batch is refused (false) and counted.
   */
  #reanchor(batch: SpikeBatch, onClosed: (bin: ClosedBin) => void): boolean {
    let otherLiveSources = 0;
    for (const [name, state] of this.#sources) if (name !== batch.source && !state.dormant) otherLiveSources++;
    const state = this.#sources.get(batch.source);
    const from = state?.lastT1Samples ?? this.#lowestOpenBin * this.binSamples;
    if (otherLiveSources > 0) {
      if (this.#rejectWarn.due()) {
        this.#rejectWarn.warn(
          { source: batch.source, t0: batch.t0Samples, expectedT0: from },
          `rejected a batch from source "${batch.source}": its t0 ${batch.t0Samples} is more than ${this.ringBins} bins ` +
            `from where it left off (${from}) while other sources run on; its clock jumped or it restarted alone`,
        );
      }
      return false;
    }
    if (this.#gapWarn.due()) {
      this.#gapWarn.warn(
        { source: batch.source, t0: batch.t0Samples, from },
        `source "${batch.source}" jumped from sample ${from} to ${batch.t0Samples} (a restart or a clock jump); ` +
          'closing the open bins and starting again on the new clock',
      );
    }
    // Every bin holding reported samples closes (its counts are real); bins past what was reported are empty.
    let reportedT1Samples = -Infinity;
    for (const s of this.#sources.values()) reportedT1Samples = Math.max(reportedT1Samples, s.lastT1Samples);
    if (!Number.isNaN(this.#lowestOpenBin)) {
      const endBin = Math.min(Math.ceil(reportedT1Samples / this.binSamples), this.#lowestOpenBin + this.ringBins);
      this.#closeBelow(endBin, batch, onClosed);
    }
    this.#sources.clear();
    this.#lowestOpenBin = Number.NaN;
    return true;
  }

  /** Sources that have not reported up to `sample` stop holding bins open; returns their names. */
  #markLaggingDormant(sample: number): string[] {
    const lagging: string[] = [];
    for (const [name, state] of this.#sources) {
      if (!state.dormant && state.lastT1Samples < sample) {
        state.dormant = true;
        this.stats.sourcesDormant++;
        lagging.push(name);
      }
    }
    if (this.#expectedSources !== undefined) {
      for (const name of this.#expectedSources) if (!this.#sources.has(name)) lagging.push(name);
    }
    return lagging;
  }

  #accepts(batch: SpikeBatch): boolean {
    const spanSamples = this.ringBins * this.binSamples;
    if (batch.t1Samples - batch.t0Samples > spanSamples) {
      // A real message covers a millisecond or so; one covering more than the ring would force-close and skip every
      // bin it spans (a corrupt t1 of 10^15 would skip billions), so it is refused whole.
      if (this.#rejectWarn.due()) {
        this.#rejectWarn.warn(
          { source: batch.source, t0: batch.t0Samples, t1: batch.t1Samples },
          `rejected a batch from source "${batch.source}": it covers ${batch.t1Samples - batch.t0Samples} samples, more ` +
            `than bin.ringBins (${this.ringBins}) bins; publishers send a message every millisecond or so — fix its t1`,
        );
      }
      return false;
    }
    if (batch.rateHz !== this.rateHz) {
      this.#rejectWarn.warn(
        { source: batch.source, rateHz: batch.rateHz, expectedRateHz: this.rateHz },
        `rejected a batch from source "${batch.source}": its rate is ${batch.rateHz} Hz but rpntd is configured ` +
          `for ${this.rateHz} Hz; fix the publisher or the configured sample rate`,
      );
      return false;
    }
    if (this.#expectedSources !== undefined && !this.#expectedSources.has(batch.source)) {
      this.#rejectWarn.warn(
        { source: batch.source, expectedSources: [...this.#expectedSources] },
        `rejected a batch from source "${batch.source}", which is not in the expected sources; add it to ` +
          'ingest.sources or stop that publisher',
      );
      return false;
    }
    return true;
  }

  #trackSource(batch: SpikeBatch): void {
    const state = this.#sources.get(batch.source);
    if (state === undefined) {
      this.#sources.set(batch.source, { lastSeq: batch.seq, lastT1Samples: batch.t1Samples, dormant: false });
      return;
    }
    state.dormant = false;
    const seqGap = batch.seq !== state.lastSeq + 1;
    const sampleGap = batch.t0Samples > state.lastT1Samples;
    const overlap = batch.t0Samples < state.lastT1Samples;
    if (seqGap) this.stats.seqGaps++;
    if (sampleGap) this.stats.sampleGaps++;
    if (overlap) this.stats.overlaps++;
    if ((seqGap || sampleGap || overlap) && this.#gapWarn.due()) {
      this.#gapWarn.warn(
        { source: batch.source, seq: batch.seq, lastSeq: state.lastSeq, t0: batch.t0Samples, lastT1: state.lastT1Samples },
        `source "${batch.source}" broke its sequence (expected seq ${state.lastSeq + 1} starting at sample ` +
          `${state.lastT1Samples}); messages were lost, reordered or the publisher restarted`,
      );
    }
    state.lastSeq = batch.seq;
    // A source never takes back what it reported: an overlap must not reopen bins.
    if (batch.t1Samples > state.lastT1Samples) state.lastT1Samples = batch.t1Samples;
  }

  /** The sample every expected source has reported up to; -Infinity while an expected source is unheard. */
  #watermarkSamples(): number {
    let watermark = Infinity;
    if (this.#expectedSources !== undefined) {
      for (const source of this.#expectedSources) {
        const state = this.#sources.get(source);
        if (state === undefined) return -Infinity;
        if (!state.dormant && state.lastT1Samples < watermark) watermark = state.lastT1Samples;
      }
    } else {
      for (const state of this.#sources.values()) {
        if (!state.dormant && state.lastT1Samples < watermark) watermark = state.lastT1Samples;
      }
    }
    return watermark;
  }


  /** Closes every open bin below `endBin`, emitting those that can hold counts, and zeroes their rows for reuse. */
  #closeBelow(endBin: number, batch: SpikeBatch, onClosed: (bin: ClosedBin) => void): void {
    const firstBin = this.#lowestOpenBin;
    if (!(endBin > firstBin)) return;
    // Bins at or beyond firstBin + ringBins never had a row, so they are empty: skip them rather than emit a flood.
    const emitEndBin = Math.min(endBin, firstBin + this.ringBins);
    const closedNs = monotonicNs();
    for (let bin = firstBin; bin < emitEndBin; bin++) {
      // Advance first so that a consumer reading lowestOpenBin inside onClosed sees this bin as closed.
      this.#lowestOpenBin = bin + 1;
      const counts = this.#rowViews[bin % this.ringBins];
      this.stats.binsClosed++;
      onClosed({
        index: bin,
        endSample: (bin + 1) * this.binSamples,
        counts,
        sourceSentNs: batch.sentNs,
        receivedNs: batch.receivedNs,
        closedNs,
      });
      counts.fill(0);
    }
    this.stats.binsSkipped += endBin - emitEndBin;
    this.#lowestOpenBin = endBin;
  }
}
