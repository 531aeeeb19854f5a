import { ConfigError } from '../errors';
import type { ClosedBin } from '../bin';

export interface ContextWindowOptions {
  /** T: how many of the newest closed bins the model sees. */
  windowBins: number;
  /** Counts per bin; must match the binner's channels. */
  channels: number;
}

export interface WindowStats {
  binsPushed: number;
  /** Bins that never arrived (an index jump) and were filled with zeros. */
  binsZeroFilled: number;
  /** Bins that arrived with an index not above the newest one; ignored. */
  binsOutOfOrder: number;
}

/**
 * The last `windowBins` closed bins as one contiguous `[windowBins, channels]` float32 view, oldest first.
 *
 * A mirrored ring: 2·T rows, and bin i is written to rows i mod T and i mod T + T. After writing row r, rows
 * r+1 … r+T (one of them the mirror) hold the last T bins in order, so the window is always a single subarray.
 * The T+1 possible subarrays are created once, so reading the window never allocates or copies. Before T bins
 * have arrived, the oldest rows are zeros.
 */
export class ContextWindow {
  readonly windowBins: number;
  readonly channels: number;
  readonly stats: WindowStats = { binsPushed: 0, binsZeroFilled: 0, binsOutOfOrder: 0 };

  /** [2·windowBins, channels] float32. */
  readonly #rows: Float32Array;
  /** #views[s] = rows s … s+T−1; the window starts at row (newestRow + 1), which is 1 … T. */
  readonly #views: Float32Array[];
  #newestRow = -1;
  #newestBinIndex = Number.NaN;
  #filledBins = 0;

  constructor(options: ContextWindowOptions) {
    const { windowBins, channels } = options;
    if (!Number.isInteger(windowBins) || windowBins < 1) {
      throw new ConfigError(`ContextWindow option windowBins must be a positive integer, got ${windowBins}`);
    }
    if (!Number.isInteger(channels) || channels < 1) {
      throw new ConfigError(`ContextWindow option channels must be a positive integer, got ${channels}`);
    }
    this.windowBins = windowBins;
    this.channels = channels;
    this.#rows = new Float32Array(2 * windowBins * channels);
    this.#views = Array.from({ length: windowBins + 1 }, (_, start) =>
      this.#rows.subarray(start * channels, (start + windowBins) * channels),
    );
  }

  /** Index of the newest bin in the window; NaN before the first. */
  get newestBinIndex(): number {
    return this.#newestBinIndex;
  }

  /** How many of the window's rows hold real (or zero-filled) bins, up to windowBins. */
  get filledBins(): number {
    return this.#filledBins;
  }

  get isFull(): boolean {
    return this.#filledBins === this.windowBins;
  }

  /**
   * The last windowBins bins, `[windowBins, channels]` row-major, oldest first. The same few views are returned
   * again and again: the contents change on the next push, so use it (or copy it) before then.
   */
  view(): Float32Array {
    return this.#views[this.#newestRow + 1];
  }

  /** Copies a closed bin in (twice). Missing indices before it are zero-filled and counted. */
  push(bin: ClosedBin): void {
    if (bin.counts.length !== this.channels) {
      throw new ConfigError(
        `ContextWindow got a bin of ${bin.counts.length} channels but was built for ${this.channels}; ` +
          'binner and window must share the configured channel count',
      );
    }
    if (!Number.isNaN(this.#newestBinIndex)) {
      const missingBins = bin.index - this.#newestBinIndex - 1;
      if (missingBins < 0 || missingBins >= this.windowBins) {
        // The binner never goes back on its own clock, and skips a whole window only when it started over on a new
        // clock (a publisher restart or clock jump): the old context says nothing about the new one, so refill.
        if (missingBins < 0) this.stats.binsOutOfOrder++;
        else this.stats.binsZeroFilled += missingBins;
        this.#filledBins = 0;
      } else if (missingBins > 0) {
        this.stats.binsZeroFilled += missingBins;
        for (let i = missingBins; i > 0; i--) this.#writeRow(undefined);
      }
    }
    this.#writeRow(bin.counts);
    this.#newestBinIndex = bin.index;
    this.stats.binsPushed++;
  }

  #writeRow(counts: Float32Array | undefined): void {
    const row = (this.#newestRow + 1) % this.windowBins;
    const start = row * this.channels;
    const mirrorStart = (row + this.windowBins) * this.channels;
    if (counts === undefined) {
      this.#rows.fill(0, start, start + this.channels);
      this.#rows.fill(0, mirrorStart, mirrorStart + this.channels);
    } else {
      this.#rows.set(counts, start);
      this.#rows.set(counts, mirrorStart);
    }
    this.#newestRow = row;
    if (this.#filledBins < this.windowBins) this.#filledBins++;
  }
}
