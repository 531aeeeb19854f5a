// Plain C++ spike counting, no Node headers: the same code can be unit-tested or benchmarked without V8.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rpntd::kernels {

// Where one batch of spikes is counted: a ring of `ring_bins` open bins, each `channels` float32 counts.
// Bin k lives in ring row k % ring_bins; bins [lowest_open_bin, lowest_open_bin + ring_bins) are open.
struct BinRing {
  float* counts;             // [ring_bins * channels], row-major
  uint64_t ring_bins;
  uint64_t channels;
  uint64_t bin_samples;      // samples per bin, >= 1
  uint64_t lowest_open_bin;  // bins below this index are closed
};

// The fate of every spike of one batch; binned + late + invalid + ahead == number of spikes.
struct BinTally {
  uint64_t binned = 0;
  uint64_t late = 0;     // bin < lowest_open_bin: that bin already closed
  uint64_t invalid = 0;  // channel >= channels, or offset >= t1 - t0
  uint64_t ahead = 0;    // bin >= lowest_open_bin + ring_bins: no ring row for it yet; not counted into any bin
};

// Counts spike i (sample t0_samples + offsets[i], channel channels_of_spike[i]) into its bin. Offsets need not be
// sorted. The caller guarantees t0_samples + 2^32 does not overflow uint64 (sample numbers are < 2^53).
BinTally count_spikes(const uint32_t* offsets, const uint16_t* channels_of_spike, size_t spike_count,
                      uint64_t t0_samples, uint64_t t1_samples, const BinRing& ring);

}  // namespace rpntd::kernels
