import assert from 'node:assert/strict';
import test from 'node:test';

import fc from 'fast-check';
import { from, toArray, lastValueFrom } from 'rxjs';

import { SpikeBinner, binSpikes, type BinKernel, type ClosedBin, type SpikeBinnerOptions } from '../../src/bin';
import { createLogger } from '../../src/log';
import { batchOf } from './batches';

const silent = createLogger('test', 'silent');

/** What a closed bin looked like at delivery (its counts view is reused afterwards). */
interface SeenBin {
  index: number;
  endSample: number;
  counts: number[];
  sourceSentNs: number;
}

function collector(): { bins: SeenBin[]; onClosed: (bin: ClosedBin) => void } {
  const bins: SeenBin[] = [];
  return {
    bins,
    onClosed: (bin) =>
      bins.push({ index: bin.index, endSample: bin.endSample, counts: [...bin.counts], sourceSentNs: bin.sourceSentNs }),
  };
}

function binner(kernel: BinKernel, options: Partial<SpikeBinnerOptions> = {}): SpikeBinner {
  return new SpikeBinner({ channels: 3, rateHz: 30000, binSamples: 10, kernel, log: silent, ...options });
}

function assertSpikeSum(b: SpikeBinner): void {
  const s = b.stats;
  assert.equal(s.spikesReceived, s.spikesBinned + s.spikesLate + s.spikesInvalid + s.spikesAhead);
}

for (const kernel of ['native', 'ts'] as const) {
  test(`${kernel}: one source closes every bin its t1 passes, aligned to sample 0, not to the first message`, () => {
    const b = binner(kernel);
    const { bins, onClosed } = collector();
    b.push(batchOf('a', 0, 25, 37, [[25, 0], [29, 1], [30, 1], [36, 2]]), onClosed);
    // Bin 2 = [20, 30) closed at t1 = 37; bin 3 = [30, 40) still open.
    assert.deepEqual(bins, [{ index: 2, endSample: 30, counts: [1, 1, 0], sourceSentNs: 1000 }]);
    assert.equal(b.lowestOpenBin, 3);
    b.push(batchOf('a', 1, 37, 52, [[39, 1], [40, 0], [51, 2]]), onClosed);
    assert.deepEqual(bins.slice(1), [
      { index: 3, endSample: 40, counts: [0, 2, 1], sourceSentNs: 1001 },
      { index: 4, endSample: 50, counts: [1, 0, 0], sourceSentNs: 1001 },
    ]);
    assert.equal(b.stats.binsClosed, 3);
    assert.equal(b.stats.spikesBinned, 7);
    assertSpikeSum(b);
  });

  test(`${kernel}: a lagging source holds bins open until it reports past them`, () => {
    const b = binner(kernel);
    const { bins, onClosed } = collector();
    b.push(batchOf('a', 0, 0, 45, [[5, 0], [44, 0]]), onClosed);
    assert.equal(bins.length, 4, 'only source a seen so far: bins 0..3 close, bin 4 = [40, 50) stays open');
    b.push(batchOf('b', 0, 40, 45, [[41, 1]]), onClosed);
    // b joined late: bins below 4 had closed already; it now holds bin 4 open until it reaches 50.
    assert.equal(bins.length, 4);
    b.push(batchOf('a', 1, 45, 90, [[55, 2]]), onClosed);
    assert.equal(bins.length, 4, 'a is far ahead but b is still at 45');
    b.push(batchOf('b', 1, 45, 72, [[49, 1], [60, 2]]), onClosed);
    assert.deepEqual(
      bins.slice(4).map((bin) => [bin.index, bin.counts]),
      [
        [4, [1, 2, 0]],
        [5, [0, 0, 1]],
        [6, [0, 0, 1]],
      ],
    );
    assert.equal(b.lowestOpenBin, 7);
    assert.equal(b.stats.spikesLate, 0);
    assertSpikeSum(b);
  });

  test(`${kernel}: expected sources: nothing closes until every listed source has reported`, () => {
    const b = binner(kernel, { expectedSources: ['a', 'b'] });
    const { bins, onClosed } = collector();
    b.push(batchOf('a', 0, 0, 30, [[1, 0]]), onClosed);
    assert.equal(bins.length, 0);
    b.push(batchOf('c', 0, 0, 30, [[1, 0]]), onClosed);
    assert.equal(b.stats.batchesRejected, 1, 'a source not in the list is rejected');
    assert.equal(b.stats.spikesRejected, 1);
    b.push(batchOf('b', 0, 0, 20, [[2, 0], [15, 1]]), onClosed);
    assert.deepEqual(bins.map((bin) => [bin.index, bin.counts]), [[0, [2, 0, 0]], [1, [0, 1, 0]]]);
    assert.equal(b.stats.spikesReceived, 3);
    assertSpikeSum(b);
  });

  test(`${kernel}: late spikes (bin closed), gaps and overlaps are counted, not binned twice`, () => {
    const b = binner(kernel);
    const { bins, onClosed } = collector();
    b.push(batchOf('a', 0, 0, 20, [[3, 0]]), onClosed); // closes bins 0, 1
    b.push(batchOf('a', 1, 25, 30, [[26, 0]]), onClosed); // sample gap [20, 25): closes bin 2
    b.push(batchOf('a', 3, 28, 40, [[28, 1], [35, 2]]), onClosed); // seq gap (2 missing) and overlap [28, 30)
    assert.equal(b.stats.seqGaps, 1);
    assert.equal(b.stats.sampleGaps, 1);
    assert.equal(b.stats.overlaps, 1);
    assert.equal(b.stats.spikesLate, 1, 'sample 28 is in bin 2, which had closed');
    assert.deepEqual(bins.map((bin) => [bin.index, bin.counts]), [
      [0, [1, 0, 0]],
      [1, [0, 0, 0]],
      [2, [1, 0, 0]],
      [3, [0, 0, 1]],
    ]);
    // A source going back in time must not reopen bins or move the closing point backwards.
    b.push(batchOf('a', 4, 0, 10, [[5, 0]]), onClosed);
    assert.equal(b.stats.overlaps, 2);
    assert.equal(b.stats.spikesLate, 2);
    assert.equal(b.lowestOpenBin, 4);
    assertSpikeSum(b);
  });

  test(`${kernel}: invalid channels and offsets are counted; a rate mismatch rejects the whole batch`, () => {
    const b = binner(kernel);
    const { bins, onClosed } = collector();
    const bad = batchOf('a', 0, 0, 10, [[1, 3], [2, 0]]);
    bad.offsets[1] = 10; // offset == t1 - t0: outside the message
    b.push(bad, onClosed);
    assert.equal(b.stats.spikesInvalid, 2);
    assert.deepEqual(bins[0].counts, [0, 0, 0]);
    b.push(batchOf('a', 1, 10, 20, [[11, 0]], 25000), onClosed);
    assert.equal(b.stats.batchesRejected, 1);
    assert.equal(b.stats.spikesRejected, 1);
    assert.equal(b.stats.spikesReceived, 2);
    assert.equal(bins.length, 1, 'the rejected batch must not advance the source');
    assertSpikeSum(b);
  });

  test(`${kernel}: a source more than ringBins ahead force-closes the oldest bins (counted), nothing is dropped silently`, () => {
    const b = binner(kernel, { ringBins: 4, expectedSources: ['a', 'b'] });
    const { bins, onClosed } = collector();
    b.push(batchOf('a', 0, 0, 10, [[1, 0]]), onClosed);
    b.push(batchOf('b', 0, 0, 5, [[2, 1]]), onClosed);
    assert.equal(bins.length, 0);
    b.push(batchOf('a', 1, 10, 40, []), onClosed);
    b.push(batchOf('a', 2, 40, 60, [[55, 2]]), onClosed); // bin 5 needs rows for bins 2..5: close 0 and 1
    assert.equal(b.stats.binsForcedClosed, 2);
    // 'b' fell more than the ring behind: it stops holding bins open (a dead source must not delay output for
    // good), so every bin that 'a' has reported past closes now.
    assert.equal(b.stats.sourcesDormant, 1);
    assert.deepEqual(
      bins.map((bin) => [bin.index, [...bin.counts]]),
      [[0, [1, 1, 0]], [1, [0, 0, 0]], [2, [0, 0, 0]], [3, [0, 0, 0]], [4, [0, 0, 0]], [5, [0, 0, 1]]],
    );
    b.push(batchOf('b', 1, 5, 30, [[7, 1], [25, 1]]), onClosed); // both in bins closed without 'b': late
    assert.equal(b.stats.spikesLate, 2);
    // Both sources catch up: every bin closes, none is lost.
    b.push(batchOf('a', 3, 60, 100, []), onClosed); // as long as a message may be: the whole ring
    b.push(batchOf('b', 2, 30, 60, []), onClosed);
    b.push(batchOf('b', 3, 60, 100, []), onClosed);
    assert.equal(b.lowestOpenBin, 10);
    assert.equal(b.stats.binsClosed + b.stats.binsSkipped, 10);
    assert.equal(b.stats.spikesAhead, 0);
    assertSpikeSum(b);
  });

  test(`${kernel}: binSpikes operator emits closed bins in order`, async () => {
    const b = binner(kernel);
    const batches = [batchOf('a', 0, 0, 15, [[3, 1]]), batchOf('a', 1, 15, 31, [[16, 2]])];
    const bins = await lastValueFrom(
      from(batches).pipe(binSpikes(b), toArray()),
    );
    assert.deepEqual(bins.map((bin) => bin.index), [0, 1, 2]);
    assert.equal(b.stats.spikesBinned, 2);
  });
}

test('option errors name the option, the value and the range', () => {
  assert.throws(() => binner('ts', { binSamples: 1.5 }), /binSamples must be an integer in \[1, .*\], got 1.5/);
  assert.throws(() => binner('ts', { channels: 0 }), /channels must be an integer in \[1, 65536\], got 0/);
  assert.throws(() => binner('ts', { rateHz: -3 }), /rateHz must be a positive number of Hz, got -3/);
});

// Several sources, random message cuts, gaps, overlaps and lost messages: both kernels must agree on everything.
const sourceStreams = fc.array(
  fc.record({
    source: fc.constantFrom('a', 'b', 'c'),
    seqStep: fc.constantFrom(1, 1, 1, 2),
    t0Shift: fc.integer({ min: -15, max: 15 }).map((shift) => (Math.abs(shift) < 10 ? 0 : shift)),
    spanSamples: fc.integer({ min: 0, max: 45 }),
    spikes: fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 4 })), { maxLength: 30 }),
  }),
  { maxLength: 60 },
);

test('native and TypeScript binners agree on bins and stats for random multi-source streams', () => {
  fc.assert(
    fc.property(sourceStreams, fc.integer({ min: 1, max: 6 }), (messages, ringBins) => {
      const results = (['native', 'ts'] as const).map((kernel) => {
        const b = binner(kernel, { ringBins, channels: 4, binSamples: 7 });
        const { bins, onClosed } = collector();
        const next = new Map<string, { seq: number; t1: number }>();
        for (const m of messages) {
          const last = next.get(m.source) ?? { seq: -1, t1: 0 };
          const t0 = Math.max(0, last.t1 + m.t0Shift);
          const t1 = t0 + m.spanSamples;
          const batch = batchOf(m.source, last.seq + m.seqStep, t0, t1, m.spikes.map(([o, ch]) => [t0 + o, ch]));
          next.set(m.source, { seq: batch.seq, t1 });
          b.push(batch, onClosed);
        }
        assertSpikeSum(b);
        return { bins, stats: { ...b.stats } };
      });
      assert.deepEqual(results[0], results[1]);
    }),
    { numRuns: 300, seed: 42 },
  );
});

// Publishers restart and clocks jump: none of it may wedge binning (every later spike late) or hold output back.
test('a lone source that restarts its clock: open bins close, binning starts again on the new clock', () => {
  const b = binner('ts', { ringBins: 4 });
  const { bins, onClosed } = collector();
  b.push(batchOf('a', 0, 100_000, 100_015, [[100_003, 1], [100_012, 2]]), onClosed); // bin 10000 closes, 10001 open
  assert.deepEqual(bins.map((bin) => bin.index), [10000]);
  b.push(batchOf('a', 0, 0, 10, [[4, 0]]), onClosed); // restarted at sample 0
  assert.equal(b.stats.clockJumps, 1);
  // The open bin (with its spike) was closed and emitted, then bin 0 of the new clock closed.
  assert.deepEqual(bins.map((bin) => [bin.index, bin.counts]), [[10000, [0, 1, 0]], [10001, [0, 0, 1]], [0, [1, 0, 0]]]);
  b.push(batchOf('a', 1, 10, 20, [[15, 1]]), onClosed);
  assert.deepEqual(bins.at(-1), { index: 1, endSample: 20, counts: [0, 1, 0], sourceSentNs: 1001 });
  assert.equal(b.stats.spikesLate, 0);
  assertSpikeSum(b);
});

test('a source whose clock jumps while others run on is refused and counted, and does not disturb them', () => {
  const b = binner('ts', { ringBins: 4, expectedSources: ['a', 'b'] });
  const { bins, onClosed } = collector();
  b.push(batchOf('a', 0, 0, 20, [[1, 0]]), onClosed);
  b.push(batchOf('b', 0, 0, 20, [[2, 1]]), onClosed);
  b.push(batchOf('b', 1, 1_000_000, 1_000_010, [[1_000_001, 2]]), onClosed); // b's clock jumps
  assert.equal(b.stats.clockJumps, 1);
  assert.equal(b.stats.batchesRejected, 1);
  assert.equal(b.stats.spikesRejected, 1);
  b.push(batchOf('a', 1, 20, 30, [[25, 2]]), onClosed);
  b.push(batchOf('b', 2, 20, 30, []), onClosed); // b back on the shared clock
  assert.deepEqual(bins.map((bin) => [bin.index, bin.counts]), [[0, [1, 1, 0]], [1, [0, 0, 0]], [2, [0, 0, 1]]]);
  assert.equal(b.stats.spikesLate, 0);
});

test('a source that goes silent stops holding bins open once the others are a ring ahead', () => {
  const b = binner('ts', { ringBins: 4 });
  const { bins, onClosed } = collector();
  b.push(batchOf('a', 0, 0, 10, []), onClosed);
  b.push(batchOf('dead', 0, 0, 10, []), onClosed);
  for (let seq = 1; seq <= 20; seq++) b.push(batchOf('a', seq, seq * 10, seq * 10 + 10, []), onClosed);
  // After the first forced close the dead source no longer gates: every bin 'a' finished is closed, none held back.
  assert.equal(b.stats.sourcesDormant, 1);
  assert.equal(b.lowestOpenBin, 21);
  assert.deepEqual(bins.map((bin) => bin.index), Array.from({ length: 21 }, (_, i) => i));
});

test('a message claiming to cover more than the ring is refused whole and skips nothing', () => {
  const b = binner('ts', { ringBins: 4 });
  const { bins, onClosed } = collector();
  b.push(batchOf('a', 0, 0, 10, [[3, 0]]), onClosed);
  b.push(batchOf('a', 1, 10, 1e15, [[12, 1]]), onClosed); // a corrupt t1
  assert.equal(b.stats.batchesRejected, 1);
  assert.equal(b.stats.spikesRejected, 1);
  assert.equal(b.stats.binsSkipped, 0);
  b.push(batchOf('a', 2, 10, 20, [[15, 2]]), onClosed);
  assert.deepEqual(bins.map((bin) => [bin.index, bin.counts]), [[0, [1, 0, 0]], [1, [0, 0, 1]]]);
});

test('a publisher that restarts (seq 0, back in time) is followed even when the step back is short', () => {
  const b = binner('ts', { ringBins: 64 });
  const { bins, onClosed } = collector();
  for (let seq = 0; seq < 5; seq++) b.push(batchOf('a', seq, seq * 10, seq * 10 + 10, [[seq * 10 + 1, 0]]), onClosed);
  b.push(batchOf('a', 0, 20, 30, [[21, 1]]), onClosed); // restarted 3 bins back
  assert.equal(b.stats.clockJumps, 1);
  assert.equal(b.stats.spikesLate, 0);
  assert.deepEqual(bins.at(-1)?.index, 2);
  assert.deepEqual(bins.at(-1)?.counts, [0, 1, 0]);
});
