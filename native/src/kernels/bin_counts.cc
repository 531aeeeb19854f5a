#include "bin_counts.h"

namespace rpntd::kernels {

BinTally count_spikes(const uint32_t* offsets, const uint16_t* channels_of_spike, size_t spike_count,
                      uint64_t t0_samples, uint64_t t1_samples, const BinRing& ring) {
  BinTally tally;
  const uint64_t span_samples = t1_samples - t0_samples;
  // Split t0 into whole bins + remainder once, so the per-spike division works on small numbers:
  // bin = first_bin + (phase + offset) / bin_samples, and phase + offset < 2^33 always fits.
  const uint64_t first_bin = t0_samples / ring.bin_samples;
  const uint64_t phase = t0_samples % ring.bin_samples;
  const uint64_t lowest = ring.lowest_open_bin;
  const uint64_t end_open = lowest + ring.ring_bins;

  for (size_t i = 0; i < spike_count; ++i) {
    const uint64_t offset = offsets[i];
    const uint64_t channel = channels_of_spike[i];
    if (channel >= ring.channels || offset >= span_samples) {
      ++tally.invalid;
      continue;
    }
    const uint64_t bin = first_bin + (phase + offset) / ring.bin_samples;
    if (bin < lowest) {
      ++tally.late;
    } else if (bin >= end_open) {
      ++tally.ahead;
    } else {
      ring.counts[(bin % ring.ring_bins) * ring.channels + channel] += 1.0f;
      ++tally.binned;
    }
  }
  return tally;
}

}  // namespace rpntd::kernels
