import type { CountSpikes } from './kernel-types';

/**
 * The TypeScript twin of native/src/kernels/bin_counts.cc: the same rules in the same order, so it is the oracle
 * for the parity tests and the fallback kernel (`kernel: 'ts'`). Argument checks are the binner's job here; the
 * native side repeats the cheap ones because a bad pointer there would crash rather than throw.
 */
export const countSpikesTs: CountSpikes = (
  offsets,
  channels,
  t0Samples,
  t1Samples,
  ring,
  ringBins,
  channelCount,
  binSamples,
  lowestOpenBin,
  tally,
) => {
  let binned = 0;
  let late = 0;
  let invalid = 0;
  let ahead = 0;
  const spanSamples = t1Samples - t0Samples;
  // As in C++: whole bins of t0 once, then per spike only (phase + offset) / binSamples, which stays below 2^33
  // and is therefore exact in doubles.
  const firstBin = Math.floor(t0Samples / binSamples);
  const phase = t0Samples - firstBin * binSamples;
  const endOpenBin = lowestOpenBin + ringBins;
  const spikeCount = offsets.length;
  for (let i = 0; i < spikeCount; i++) {
    const offset = offsets[i];
    const channel = channels[i];
    if (channel >= channelCount || offset >= spanSamples) {
      invalid++;
      continue;
    }
    const bin = firstBin + Math.floor((phase + offset) / binSamples);
    if (bin < lowestOpenBin) {
      late++;
    } else if (bin >= endOpenBin) {
      ahead++;
    } else {
      ring[(bin % ringBins) * channelCount + channel] += 1;
      binned++;
    }
  }
  tally[0] = binned;
  tally[1] = late;
  tally[2] = invalid;
  tally[3] = ahead;
};
