/**
 * Counts one batch of spikes into a ring of open bins, in one call. Both kernels (native and TypeScript twin) have
 * exactly this signature and these results.
 *
 * Spike i is at sample `t0Samples + offsets[i]` on channel `channels[i]`; it falls in bin
 * `floor(sample / binSamples)`. Bins `[lowestOpenBin, lowestOpenBin + ringBins)` are open and bin k is row
 * `k % ringBins` of `ring` (`[ringBins, channelCount]` float32, row-major). Each spike is exactly one of:
 * - binned: its row/channel cell is incremented by 1;
 * - late: its bin is below `lowestOpenBin` (already closed);
 * - invalid: `channels[i] >= channelCount` or `offsets[i] >= t1Samples - t0Samples`;
 * - ahead: its bin is `>= lowestOpenBin + ringBins` (no row for it yet); not counted into any bin.
 * `tally` (Float64Array, length >= 4) is overwritten with [binned, late, invalid, ahead] for this batch.
 *
 * The native kernel throws TypeError/RangeError with `code === 'RPNTD_ERR_NATIVE_ARG'` on wrong argument types,
 * mismatched lengths, `t1Samples < t0Samples`, non-integer or negative numbers, or a ring of the wrong size.
 */
export type CountSpikes = (
  offsets: Uint32Array,
  channels: Uint16Array,
  t0Samples: number,
  t1Samples: number,
  ring: Float32Array,
  ringBins: number,
  channelCount: number,
  binSamples: number,
  lowestOpenBin: number,
  tally: Float64Array,
) => void;

/** Indices into the tally array. */
export const TALLY_BINNED = 0;
export const TALLY_LATE = 1;
export const TALLY_INVALID = 2;
export const TALLY_AHEAD = 3;
export const TALLY_LENGTH = 4;
