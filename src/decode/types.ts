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
}
