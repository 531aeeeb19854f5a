/**
 * Turns binned counts back into a stream of spike messages on a sample clock, the way an acquisition system would
 * publish them: each bin's counts are spread over the bin's samples with a seeded PRNG, then cut into messages of
 * `messageSamples` samples. Binning the stream again on the same bin edges gives the counts back exactly.
 */
export interface SpikeMessageSlice {
  /** Dataset bin this message lies in. */
  binIndex: number;
  t0Samples: number;
  t1Samples: number;
  /** Views into reused buffers: valid until the next message is produced. */
  offsets: Uint32Array;
  channels: Uint16Array;
}

export interface BinnedSpikeStreamOptions {
  /** Counts, [bins, units] row-major. */
  counts: Uint8Array;
  units: number;
  firstBin: number;
  endBin: number;
  binSamples: number;
  messageSamples: number;
  seed: number;
}

/** mulberry32: small, fast and seedable; quality is ample for spreading spikes inside a bin. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class BinnedSpikeStream {
  readonly messagesPerBin: number;
  private readonly random: () => number;
  // One bin's spikes, sorted by sample offset within the bin (counting sort keyed by message).
  private readonly binOffsets: Uint32Array;
  private readonly binChannels: Uint16Array;
  private readonly messageStart: Uint32Array;
  private readonly messageFill: Uint32Array;
  private readonly scratchOffsets: Uint32Array;
  private readonly scratchChannels: Uint16Array;
  private readonly messageOffsets: Uint32Array;
  private readonly messageChannels: Uint16Array;

  constructor(private readonly options: BinnedSpikeStreamOptions) {
    const { binSamples, messageSamples, counts, units, firstBin, endBin } = options;
    if (!Number.isInteger(binSamples / messageSamples)) {
      throw new RangeError(`messageSamples (${messageSamples}) must divide binSamples (${binSamples}) so messages never straddle a bin`);
    }
    this.messagesPerBin = binSamples / messageSamples;
    this.random = mulberry32(options.seed);
    let maxPerBin = 0;
    for (let b = firstBin; b < endBin; b++) {
      let total = 0;
      for (let u = 0; u < units; u++) total += counts[b * units + u];
      if (total > maxPerBin) maxPerBin = total;
    }
    this.binOffsets = new Uint32Array(maxPerBin);
    this.binChannels = new Uint16Array(maxPerBin);
    this.scratchOffsets = new Uint32Array(maxPerBin);
    this.scratchChannels = new Uint16Array(maxPerBin);
    this.messageStart = new Uint32Array(this.messagesPerBin + 1);
    this.messageFill = new Uint32Array(this.messagesPerBin);
    this.messageOffsets = new Uint32Array(maxPerBin);
    this.messageChannels = new Uint16Array(maxPerBin);
  }

  /** Total spikes in the selected bins. */
  totalSpikes(): number {
    const { counts, units, firstBin, endBin } = this.options;
    let total = 0;
    for (let i = firstBin * units; i < endBin * units; i++) total += counts[i];
    return total;
  }

  /** Every message of the selected bins, in order. The yielded object and its arrays are reused. */
  *messages(): Generator<SpikeMessageSlice> {
    const { firstBin, endBin, binSamples, messageSamples } = this.options;
    const slice: SpikeMessageSlice = { binIndex: 0, t0Samples: 0, t1Samples: 0, offsets: this.messageOffsets, channels: this.messageChannels };
    for (let bin = firstBin; bin < endBin; bin++) {
      this.spreadBin(bin);
      const binStart = bin * binSamples;
      for (let m = 0; m < this.messagesPerBin; m++) {
        const from = this.messageStart[m];
        const to = this.messageStart[m + 1];
        const t0 = binStart + m * messageSamples;
        for (let i = from; i < to; i++) {
          this.messageOffsets[i - from] = this.binOffsets[i] - m * messageSamples;
          this.messageChannels[i - from] = this.binChannels[i];
        }
        slice.binIndex = bin;
        slice.t0Samples = t0;
        slice.t1Samples = t0 + messageSamples;
        slice.offsets = this.messageOffsets.subarray(0, to - from);
        slice.channels = this.messageChannels.subarray(0, to - from);
        yield slice;
      }
    }
  }

  private spreadBin(bin: number): void {
    const { counts, units, binSamples, messageSamples } = this.options;
    let n = 0;
    for (let u = 0; u < units; u++) {
      const c = counts[bin * units + u];
      for (let k = 0; k < c; k++) {
        this.scratchOffsets[n] = Math.floor(this.random() * binSamples);
        this.scratchChannels[n] = u;
        n++;
      }
    }
    // Counting sort by message, then by offset inside each message (messages are short: insertion sort).
    const start = this.messageStart;
    start.fill(0);
    for (let i = 0; i < n; i++) start[Math.floor(this.scratchOffsets[i] / messageSamples) + 1]++;
    for (let m = 0; m < this.messagesPerBin; m++) start[m + 1] += start[m];
    const fill = this.messageFill;
    fill.set(start.subarray(0, this.messagesPerBin));
    for (let i = 0; i < n; i++) {
      const m = Math.floor(this.scratchOffsets[i] / messageSamples);
      const at = fill[m]++;
      this.binOffsets[at] = this.scratchOffsets[i];
      this.binChannels[at] = this.scratchChannels[i];
    }
    for (let m = 0; m < this.messagesPerBin; m++) {
      for (let i = start[m] + 1; i < start[m + 1]; i++) {
        const o = this.binOffsets[i];
        const c = this.binChannels[i];
        let j = i - 1;
        while (j >= start[m] && this.binOffsets[j] > o) {
          this.binOffsets[j + 1] = this.binOffsets[j];
          this.binChannels[j + 1] = this.binChannels[j];
          j--;
        }
        this.binOffsets[j + 1] = o;
        this.binChannels[j + 1] = c;
      }
    }
  }
}
