import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';

import { SpikeBinner, type BinKernel } from '../../src/bin';
import type { SpikeBatch } from '../../src/ingest';
import { createLogger } from '../../src/log';
import { seededRandom } from './batches';
import { sharedDataDir } from './shared-data';

// Real input: macaque M1, 171 units, 15536 bins of 50 ms (SOURCE.md in the dataset folder). Each bin's counts are
// spread into spike events inside its 1500 samples at 30 kHz, split over two sources (units < 85 from "utah-a", the
// rest from "utah-b") with random message lengths that ignore bin edges, and binned again: every count must come
// back exactly, with both kernels.
const BIN_COUNT = 15536;
const UNIT_COUNT = 171;
const TOTAL_SPIKES = 2352815; // SOURCE.md: "a Node read-back gives 15536 × 171 with 2,352,815 spikes in total"
const RATE_HZ = 30000;
const BIN_SAMPLES = 1500;
const SPLIT_UNIT = 85;

const dataDir = sharedDataDir();
const countsPath = dataDir && path.join(dataDir, 'm1-stevenson2011-centerout', 'derived', 'spike_counts_u8.bin');
const skip = countsPath && fs.existsSync(countsPath) ? false : 'shared data absent: ../shared/data/m1-stevenson2011-centerout/derived/spike_counts_u8.bin not found (set RPNTD_SHARED_DIR)';

interface SpikeTrain {
  samples: Float64Array;
  channels: Uint16Array;
}

/** Spike events of the units in [firstUnit, endUnit), sorted by sample. */
function spreadCounts(counts: Uint8Array, firstUnit: number, endUnit: number, random: () => number): SpikeTrain {
  let total = 0;
  for (let bin = 0; bin < BIN_COUNT; bin++) {
    for (let unit = firstUnit; unit < endUnit; unit++) total += counts[bin * UNIT_COUNT + unit];
  }
  const samples = new Float64Array(total);
  const channels = new Uint16Array(total);
  let n = 0;
  const inBin: Array<[number, number]> = [];
  for (let bin = 0; bin < BIN_COUNT; bin++) {
    inBin.length = 0;
    for (let unit = firstUnit; unit < endUnit; unit++) {
      for (let k = counts[bin * UNIT_COUNT + unit]; k > 0; k--) {
        inBin.push([bin * BIN_SAMPLES + Math.floor(random() * BIN_SAMPLES), unit]);
      }
    }
    inBin.sort((x, y) => x[0] - y[0]);
    for (const [sample, unit] of inBin) {
      samples[n] = sample;
      channels[n++] = unit;
    }
  }
  return { samples, channels };
}

/** Cuts a train into messages of 1..2999 samples covering [0, BIN_COUNT·BIN_SAMPLES) without gaps. */
function messagesOf(source: string, train: SpikeTrain, random: () => number): SpikeBatch[] {
  const endSample = BIN_COUNT * BIN_SAMPLES;
  const batches: SpikeBatch[] = [];
  let t0 = 0;
  let first = 0;
  while (t0 < endSample) {
    const t1 = Math.min(endSample, t0 + 1 + Math.floor(random() * 2999));
    let end = first;
    while (end < train.samples.length && train.samples[end] < t1) end++;
    const offsets = new Uint32Array(end - first);
    for (let i = first; i < end; i++) offsets[i - first] = train.samples[i] - t0;
    batches.push({
      source,
      seq: batches.length,
      rateHz: RATE_HZ,
      t0Samples: t0,
      t1Samples: t1,
      offsets,
      channels: train.channels.subarray(first, end),
      sentNs: Number.NaN,
      receivedNs: 0,
    });
    first = end;
    t0 = t1;
  }
  return batches;
}

test('m1 dataset replayed as spike events from two sources bins back to the original counts (native and ts)', { skip }, () => {
  const counts = new Uint8Array(fs.readFileSync(countsPath as string));
  assert.equal(counts.length, BIN_COUNT * UNIT_COUNT);
  assert.equal(counts.reduce((sum, c) => sum + c, 0), TOTAL_SPIKES);

  const random = seededRandom(1234);
  const a = messagesOf('utah-a', spreadCounts(counts, 0, SPLIT_UNIT, random), random);
  const b = messagesOf('utah-b', spreadCounts(counts, SPLIT_UNIT, UNIT_COUNT, random), random);
  // Arrival order: by message end, as two real-time publishers would interleave.
  const arrivals = [...a, ...b].sort((x, y) => x.t1Samples - y.t1Samples);

  for (const kernel of ['native', 'ts'] as BinKernel[]) {
    const binner = new SpikeBinner({
      channels: UNIT_COUNT,
      rateHz: RATE_HZ,
      binSamples: BIN_SAMPLES,
      expectedSources: ['utah-a', 'utah-b'],
      kernel,
      log: createLogger('test', 'silent'),
    });
    const rebinned = new Uint8Array(BIN_COUNT * UNIT_COUNT);
    let nextIndex = 0;
    for (const batch of arrivals) {
      binner.push(batch, (bin) => {
        assert.equal(bin.index, nextIndex++);
        assert.equal(bin.endSample, (bin.index + 1) * BIN_SAMPLES);
        for (let unit = 0; unit < UNIT_COUNT; unit++) rebinned[bin.index * UNIT_COUNT + unit] = bin.counts[unit];
      });
    }
    assert.equal(nextIndex, BIN_COUNT, `${kernel}: every bin closed`);
    assert.deepEqual(binner.stats, {
      ...binner.stats,
      spikesReceived: TOTAL_SPIKES,
      spikesBinned: TOTAL_SPIKES,
      spikesLate: 0,
      spikesInvalid: 0,
      spikesAhead: 0,
      seqGaps: 0,
      sampleGaps: 0,
      overlaps: 0,
      binsClosed: BIN_COUNT,
      binsForcedClosed: 0,
    });
    assert.ok(Buffer.from(rebinned.buffer).equals(Buffer.from(counts.buffer, counts.byteOffset, counts.length)), `${kernel}: counts differ`);
  }
});
