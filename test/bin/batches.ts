import type { SpikeBatch } from '../../src/ingest';
import { mulberry32 } from '../../src/replay/binned-spike-stream';

/** A batch from plain arrays of absolute sample numbers; for tests only. */
export function batchOf(
  source: string,
  seq: number,
  t0Samples: number,
  t1Samples: number,
  spikes: ReadonlyArray<readonly [sample: number, channel: number]> = [],
  rateHz = 30000,
): SpikeBatch {
  return {
    source,
    seq,
    rateHz,
    t0Samples,
    t1Samples,
    offsets: Uint32Array.from(spikes, ([sample]) => sample - t0Samples),
    channels: Uint16Array.from(spikes, ([, channel]) => channel),
    sentNs: 1000 + seq,
    receivedNs: 2000 + seq,
  };
}

/** A seeded PRNG, so generated spike trains are the same on every run (the replay's own). */
export const seededRandom = mulberry32;
