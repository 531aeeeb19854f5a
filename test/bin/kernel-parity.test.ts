import assert from 'node:assert/strict';
import test from 'node:test';

import fc from 'fast-check';

import { countSpikesTs, loadNativeAddon, type CountSpikes } from '../../native';

const nativeCountSpikes: CountSpikes = loadNativeAddon().countSpikes;
const kernels: ReadonlyArray<[string, CountSpikes]> = [
  ['native', nativeCountSpikes],
  ['ts', countSpikesTs],
];

for (const [name, countSpikes] of kernels) {
  test(`${name} kernel: counts each spike into bin floor((t0 + offset) / binSamples), row bin % ringBins`, () => {
    // binSamples 10, bins 3..6 open in a 4-row ring, batch covers samples [25, 75).
    const ring = new Float32Array(4 * 3);
    const tally = new Float64Array(4);
    const offsets = Uint32Array.of(0, 4, 5, 14, 15, 49, 50, 3, 60);
    const channels = Uint16Array.of(1, 2, 0, 2, 2, 0, 1, 3, 0);
    countSpikes(offsets, channels, 25, 75, ring, 4, 3, 10, 3, tally);
    // samples 25,29 -> bin 2 (late); 30 -> bin 3; 39 -> bin 3; 40 -> bin 4; 74 -> bin 7 (ahead: 7 >= 3 + 4);
    // offset 50 -> invalid (>= 75 - 25); channel 3 -> invalid; 85 -> offset 60 invalid.
    assert.deepEqual([...tally], [3, 2, 3, 1]);
    const expected = new Float32Array(12);
    expected[(3 % 4) * 3 + 0] = 1; // sample 30, channel 0
    expected[(3 % 4) * 3 + 2] = 1; // sample 39, channel 2
    expected[(4 % 4) * 3 + 2] = 1; // sample 40, channel 2
    assert.deepEqual(ring, expected);
  });

  test(`${name} kernel: adds to the counts already in the ring and is exact near 2^53 samples`, () => {
    const ring = new Float32Array(2).fill(5);
    const tally = new Float64Array(4);
    const t0 = 2 ** 52 + 7; // bin (2^52 + 7 + offset) / 3
    const firstBin = Math.floor(t0 / 3);
    countSpikes(Uint32Array.of(0, 1, 2, 3), Uint16Array.of(0, 0, 0, 0), t0, t0 + 4, ring, 2, 1, 3, firstBin, tally);
    // t0 mod 3: 2^52 mod 3 = 1, so t0 mod 3 = 2: offsets 0 -> firstBin, 1..3 -> firstBin + 1.
    assert.deepEqual([...tally], [4, 0, 0, 0]);
    assert.equal(ring[firstBin % 2], 6);
    assert.equal(ring[(firstBin + 1) % 2], 8);
  });
}

test('native kernel: wrong arguments throw TypeError/RangeError with code RPNTD_ERR_NATIVE_ARG, never abort', () => {
  const ring = new Float32Array(6);
  const tally = new Float64Array(4);
  const ok = [Uint32Array.of(1), Uint16Array.of(0), 0, 10, ring, 2, 3, 5, 0, tally] as const;
  const call = (...args: unknown[]) => (nativeCountSpikes as (...a: unknown[]) => void)(...args);
  const withArg = (index: number, value: unknown) => ok.map((arg, i) => (i === index ? value : arg));
  const cases: Array<[unknown[], typeof TypeError | typeof RangeError, RegExp]> = [
    [withArg(0, [1]), TypeError, /offsets must be a Uint32Array/],
    [withArg(1, Uint32Array.of(0)), TypeError, /channels must be a Uint16Array/],
    [withArg(1, Uint16Array.of(0, 1)), RangeError, /same length, got 1 and 2/],
    [withArg(2, -1), RangeError, /t0Samples must be an integer/],
    [withArg(3, 0.5), RangeError, /t1Samples must be an integer/],
    [withArg(2, 11), RangeError, /t1Samples must be >= t0Samples/],
    [withArg(4, new Float32Array(5)), RangeError, /ring must hold ringBins \* channelCount = 2 \* 3 floats, got 5/],
    [withArg(5, 0), RangeError, /ringBins must be an integer in \[1/],
    [withArg(7, 0), RangeError, /binSamples must be an integer in \[1/],
    [withArg(8, '0'), TypeError, /lowestOpenBin must be a number/],
    [withArg(9, new Float64Array(3)), RangeError, /tally must be a Float64Array of length >= 4/],
    [ok.slice(0, 9), TypeError, /expected 10 arguments, got 9/],
  ];
  for (const [args, errorClass, message] of cases) {
    assert.throws(() => call(...args), (error: Error & { code?: string }) => {
      assert.ok(error instanceof errorClass, `${error.name}: ${error.message}`);
      assert.match(error.message, message);
      assert.equal(error.code, 'RPNTD_ERR_NATIVE_ARG');
      return true;
    });
  }
  call(...ok);
  assert.deepEqual([...tally], [1, 0, 0, 0]);
});

const batchCase = fc
  .record({
    channelCount: fc.integer({ min: 1, max: 8 }),
    ringBins: fc.integer({ min: 1, max: 6 }),
    binSamples: fc.integer({ min: 1, max: 50 }),
    lowestOpenBin: fc.integer({ min: 0, max: 60 }),
    t0Samples: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 2 ** 52, max: 2 ** 53 - 2 ** 33 })),
    spanSamples: fc.integer({ min: 0, max: 400 }),
    spikeCount: fc.integer({ min: 0, max: 200 }),
    seed: fc.integer(),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      // Offsets and channels reach past their valid ranges on purpose, so invalid spikes are exercised.
      offsets: fc.array(fc.integer({ min: 0, max: c.spanSamples + 20 }), { minLength: c.spikeCount, maxLength: c.spikeCount }),
      channels: fc.array(fc.integer({ min: 0, max: c.channelCount + 2 }), { minLength: c.spikeCount, maxLength: c.spikeCount }),
      initialCounts: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: c.ringBins * c.channelCount, maxLength: c.ringBins * c.channelCount }),
    }),
  );

test('native and TypeScript kernels give identical rings and tallies on random batches (late, ahead, invalid)', () => {
  fc.assert(
    fc.property(batchCase, ({ c, offsets, channels, initialCounts }) => {
      // Put the open bins around the batch so that late, binned and ahead all occur often.
      const batchFirstBin = Math.floor(c.t0Samples / c.binSamples);
      const lowestOpenBin = Math.max(0, batchFirstBin + (c.lowestOpenBin % 8) - 3);
      const args = (ring: Float32Array, tally: Float64Array) =>
        [Uint32Array.from(offsets), Uint16Array.from(channels), c.t0Samples, c.t0Samples + c.spanSamples, ring,
          c.ringBins, c.channelCount, c.binSamples, lowestOpenBin, tally] as const;
      const nativeRing = Float32Array.from(initialCounts);
      const tsRing = Float32Array.from(initialCounts);
      const nativeTally = new Float64Array(4);
      const tsTally = new Float64Array(4);
      nativeCountSpikes(...args(nativeRing, nativeTally));
      countSpikesTs(...args(tsRing, tsTally));
      assert.deepEqual(nativeTally, tsTally);
      assert.deepEqual(nativeRing, tsRing);
      assert.equal(tsTally[0] + tsTally[1] + tsTally[2] + tsTally[3], offsets.length);
      const added = tsRing.reduce((sum, v) => sum + v, 0) - initialCounts.reduce((sum, v) => sum + v, 0);
      assert.equal(added, tsTally[0]);
    }),
    { numRuns: 500, seed: 20261203 },
  );
});

test('native and TypeScript kernels agree on messages spanning more than 2^32 samples (the 64-bit path)', () => {
  // phase + span > 2^32 forces the native kernel off its 32-bit division.
  const binSamples = 2 ** 31 + 7;
  const t0 = 3 * binSamples + 11;
  const t1 = t0 + 2 ** 32 + 50;
  const offsets = Uint32Array.of(0, 2 ** 31, 2 ** 32 - 1, 2 ** 31 - 20, 12345);
  const channels = Uint16Array.of(0, 1, 1, 0, 1);
  const results = [nativeCountSpikes, countSpikesTs].map((countSpikes) => {
    const ring = new Float32Array(4 * 2);
    const tally = new Float64Array(4);
    countSpikes(offsets, channels, t0, t1, ring, 4, 2, binSamples, 3, tally);
    return { ring: [...ring], tally: [...tally] };
  });
  assert.deepEqual(results[0], results[1]);
  // With B = binSamples, t0 = 3B + 11: samples fall in bins 3, 4, 4, 3, 3 (rows 3, 0, 0, 3, 3).
  assert.deepEqual(results[1].tally, [5, 0, 0, 0]);
  assert.deepEqual(results[1].ring, [0, 2, 0, 0, 0, 0, 2, 1]);
});
