/**
 * One decoded `spikes` message (docs/PROTOCOL.md): every spike that `source` detected in the sample range
 * [t0Samples, t1Samples). The typed arrays are views into the received frame where alignment allows, so a batch
 * must be consumed before the next message of the same socket is read.
 */
export interface SpikeBatch {
  /** Publisher-chosen name of the acquisition stream, e.g. "utah-a" or "imec0". */
  source: string;
  /** Message counter, +1 per message per source; a jump is a gap. */
  seq: number;
  /** Sample rate of the acquisition clock, Hz. */
  rateHz: number;
  /** First sample covered by this message. */
  t0Samples: number;
  /** One past the last sample covered; the next message of this source starts here. */
  t1Samples: number;
  /** Sample offset of each spike from t0Samples. */
  offsets: Uint32Array;
  /** Channel of each spike, same length as offsets. */
  channels: Uint16Array;
  /** Publisher's CLOCK_MONOTONIC at send, ns, when it stamped one; NaN otherwise. */
  sentNs: number;
  /** Our CLOCK_MONOTONIC when the message was decoded, ns. */
  receivedNs: number;
}
