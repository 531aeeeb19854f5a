/** A bin whose every expected source has reported past its end: its counts are final. */
export interface ClosedBin {
  /** Bin index k: the bin covers samples [k·binSamples, (k+1)·binSamples). */
  index: number;
  /** (k+1)·binSamples, the sample number at the end of the bin. */
  endSample: number;
  /**
   * Spike count per channel, [channels] float32. A view into the binner's ring, zeroed for reuse as soon as the
   * synchronous delivery of this bin returns: copy it (the window stage does) to keep it.
   */
  counts: Float32Array;
  /** sentNs of the message whose arrival closed this bin (NaN if it had none). */
  sourceSentNs: number;
  /** Our monotonic ns when that message was decoded. */
  receivedNs: number;
  /** Our monotonic ns when the bin was closed (after counting). */
  closedNs: number;
}
