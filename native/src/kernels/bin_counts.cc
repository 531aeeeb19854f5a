#include "bin_counts.h"

#include <limits>

namespace rpntd::kernels {
namespace {

// The loop, parameterised on the integer width of the per-spike division: a 32-bit division is several times
// cheaper than a 64-bit one and covers every realistic message (phase + span < 2^32 samples, 40 h at 30 kHz).
template <typename Word>
BinTally count_spikes_with(const uint32_t* offsets, const uint16_t* channels_of_spike, size_t spike_count,
                           uint64_t span_samples, uint64_t first_bin, Word phase, const BinRing& ring) {
  BinTally tally;
  const Word bin_samples = static_cast<Word>(ring.bin_samples);
  const uint64_t lowest = ring.lowest_open_bin;
  const uint64_t end_open = lowest + ring.ring_bins;
  // Row of the lowest open bin; an open bin's row is this plus its distance, wrapped once, which avoids a 64-bit
  // modulo per spike.
  const uint64_t lowest_row = lowest % ring.ring_bins;
  for (size_t i = 0; i < spike_count; ++i) {
    const uint32_t offset = offsets[i];
    const uint64_t channel = channels_of_spike[i];
    if (channel >= ring.channels || offset >= span_samples) {
      ++tally.invalid;
      continue;
    }
    const uint64_t bin = first_bin + (phase + static_cast<Word>(offset)) / bin_samples;
    if (bin < lowest) {
      ++tally.late;
    } else if (bin >= end_open) {
      ++tally.ahead;
    } else {
      uint64_t row = lowest_row + (bin - lowest);
      if (row >= ring.ring_bins) row -= ring.ring_bins;
      ring.counts[row * ring.channels + channel] += 1.0f;
      ++tally.binned;
    }
  }
  return tally;
}

// Every valid spike of the batch falls in `bin` (the caller checked phase + span <= bin_samples).
BinTally count_spikes_one_bin(const uint32_t* offsets, const uint16_t* channels_of_spike, size_t spike_count,
                              uint64_t span_samples, uint64_t bin, const BinRing& ring) {
  BinTally tally;
  const uint64_t channels = ring.channels;
  uint64_t valid = 0;
  if (bin >= ring.lowest_open_bin && bin < ring.lowest_open_bin + ring.ring_bins) {
    float* row = ring.counts + (bin % ring.ring_bins) * channels;
    for (size_t i = 0; i < spike_count; ++i) {
      const uint64_t channel = channels_of_spike[i];
      if (channel >= channels || offsets[i] >= span_samples) continue;
      row[channel] += 1.0f;
      ++valid;
    }
    tally.binned = valid;
  } else {
    for (size_t i = 0; i < spike_count; ++i) {
      valid += (channels_of_spike[i] < channels && offsets[i] < span_samples) ? 1 : 0;
    }
    if (bin < ring.lowest_open_bin) {
      tally.late = valid;
    } else {
      tally.ahead = valid;
    }
  }
  tally.invalid = spike_count - valid;
  return tally;
}

}  // namespace

BinTally count_spikes(const uint32_t* offsets, const uint16_t* channels_of_spike, size_t spike_count,
                      uint64_t t0_samples, uint64_t t1_samples, const BinRing& ring) {
  const uint64_t span_samples = t1_samples - t0_samples;
  // Split t0 into whole bins + remainder once, so the per-spike division works on small numbers:
  // bin = first_bin + (phase + offset) / bin_samples.
  const uint64_t first_bin = t0_samples / ring.bin_samples;
  const uint64_t phase = t0_samples % ring.bin_samples;
  // Common case: the whole message lies inside one bin (1 ms blocks never straddle a 20 or 50 ms bin edge when
  // the bin is a whole number of blocks). Then every valid spike is in first_bin and the per-spike division and
  // late/ahead comparisons go away: only the validity check and the increment remain.
  if (phase + span_samples <= ring.bin_samples) {
    return count_spikes_one_bin(offsets, channels_of_spike, spike_count, span_samples, first_bin, ring);
  }
  constexpr uint64_t kWordMax = std::numeric_limits<uint32_t>::max();
  // Valid offsets are < span_samples, so phase + offset stays below phase + span_samples.
  if (ring.bin_samples <= kWordMax && phase + span_samples <= kWordMax) {
    return count_spikes_with<uint32_t>(offsets, channels_of_spike, spike_count, span_samples, first_bin,
                                       static_cast<uint32_t>(phase), ring);
  }
  return count_spikes_with<uint64_t>(offsets, channels_of_spike, spike_count, span_samples, first_bin, phase, ring);
}

}  // namespace rpntd::kernels
