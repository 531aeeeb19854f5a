import type { SpikeBatch } from '../../src/ingest';

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

/** mulberry32: a tiny seeded PRNG, so generated spike trains are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
