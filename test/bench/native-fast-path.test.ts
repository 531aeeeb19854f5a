// Parity of the native kernel's fast paths (raw N-API entry, one-bin batches) with the TypeScript twin, on batches
// built to hit every branch: one-bin batches that are open, late or ahead, straddling batches, invalid spikes.
import assert from 'node:assert/strict';
import test from 'node:test';
import { countSpikesTs, loadNativeAddon, nativeAddonAvailable } from '../../native';
import { rng } from '../../bench/lib/stream';

test('native kernel matches the TypeScript twin on one-bin, straddling, late, ahead and invalid batches', { skip: !nativeAddonAvailable() }, () => {
  const native = loadNativeAddon().countSpikes;
  const random = rng(42);
  for (let trial = 0; trial < 3000; trial++) {
    const channels = 1 + Math.floor(random() * 300);
    const ringBins = 1 + Math.floor(random() * 8);
    const binSamples = 1 + Math.floor(random() * 700);
    const lowest = Math.floor(random() * 20);
    // t0 anywhere from a few bins before the open range to past its end.
    const t0 = Math.max(0, Math.floor((lowest - 3 + random() * (ringBins + 6)) * binSamples));
    const span = random() < 0.5 ? Math.floor(random() * binSamples) + 1 : Math.floor(random() * binSamples * 3) + 1;
    const n = Math.floor(random() * 60);
    const offsets = new Uint32Array(n).map(() => Math.floor(random() * span * (random() < 0.1 ? 2 : 1)));
    const chans = new Uint16Array(n).map(() => Math.floor(random() * channels * (random() < 0.1 ? 2 : 1)));
    const ringA = new Float32Array(ringBins * channels);
    const ringB = new Float32Array(ringBins * channels);
    const tallyA = new Float64Array(4);
    const tallyB = new Float64Array(4);
    native(offsets, chans, t0, t0 + span, ringA, ringBins, channels, binSamples, lowest, tallyA);
    countSpikesTs(offsets, chans, t0, t0 + span, ringB, ringBins, channels, binSamples, lowest, tallyB);
    assert.deepEqual(tallyA, tallyB, `trial ${trial}`);
    assert.deepEqual(ringA, ringB, `trial ${trial}`);
  }
});

test('native kernel fast path still throws RPNTD_ERR_NATIVE_ARG through the checked path', { skip: !nativeAddonAvailable() }, () => {
  const native = loadNativeAddon().countSpikes as unknown as (...args: unknown[]) => void;
  const ok: unknown[] = [new Uint32Array(1), new Uint16Array(1), 0, 30, new Float32Array(8), 2, 4, 30, 0, new Float64Array(4)];
  native(...ok);
  for (const [index, bad] of [[0, new Int32Array(1)], [2, -1], [3, 1.5], [4, new Float32Array(7)], [9, new Float64Array(3)], [5, '2']] as const) {
    const args = [...ok];
    args[index] = bad;
    assert.throws(() => native(...args), (error: Error & { code?: string }) => error.code === 'RPNTD_ERR_NATIVE_ARG');
  }
  assert.throws(() => native(...ok.slice(0, 9)), (error: Error & { code?: string }) => error.code === 'RPNTD_ERR_NATIVE_ARG');
});
