import type { ClosedBin } from '../bin/types';

/** What the decoder produced for one window, ready to publish. */
export interface Kinematics {
  /** Index of the newest bin in the decoded window. */
  binIndex: number;
  /** Sample number at the end of that bin. */
  binEndSample: number;
  /** Decoded values at the newest bin, one per model output (e.g. hand velocity x, y in m/s). */
  values: Float32Array;
  /** sentNs of the message that closed the bin (NaN if none). */
  sourceSentNs: number;
  /** Monotonic ns stamps at stage edges: message decoded, bin closed, inference started, inference done. */
  receivedNs: number;
  closedNs: number;
  inferStartNs: number;
  inferEndNs: number;
  /**
   * A newer bin than `binIndex` had closed by the time this output was emitted (the window moved on while the
   * inference ran), so a controller may prefer to wait for the next one. Set by decodeLatest.
   */
  stale: boolean;
}

/**
 * One closed bin with the window that ends at it: what decodeLatest consumes. `window` is the [windowBins, channels]
 * row-major float32 view of the window stage (no copy). The window stage may reuse this object and the memory under
 * `window` for later bins; decodeLatest copies what it needs at the moment it starts an inference.
 */
export interface DecodeInput {
  bin: ClosedBin;
  window: Float32Array;
}

/** The one thing decodeLatest needs from a decoder (Decoder implements it; tests use fakes). */
export interface WindowDecoder {
  /**
   * Decodes one window [windowBins·channels] and resolves with the newest bin's D outputs. Contract: the window is
   * read synchronously, before the returned promise exists, so the caller may reuse its memory right after the call.
   */
  decode(window: Float32Array): Promise<Float32Array>;
}
