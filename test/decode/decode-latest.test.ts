import assert from 'node:assert/strict';
import test from 'node:test';
import { Subject } from 'rxjs';
import type { ClosedBin } from '../../src/bin/types';
import { decodeLatest, type DecodeInput, type Kinematics, type WindowDecoder } from '../../src/decode';

/**
 * A decoder whose inferences finish only when the test says so. Like the real one it reads the window at call time:
 * it records the first float, which the tests set to the bin index.
 */
class ManualDecoder implements WindowDecoder {
  readonly decodedFirstValues: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #resolve: Array<(values: Float32Array) => void> = [];
  #reject: Array<(error: Error) => void> = [];

  decode(window: Float32Array): Promise<Float32Array> {
    const firstValue = window[0]!;
    this.decodedFirstValues.push(firstValue);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve, reject) => {
      this.#resolve.push(resolve);
      this.#reject.push(reject);
    }).then(
      (values) => {
        this.inFlight--;
        return values as Float32Array;
      },
      (error: unknown) => {
        this.inFlight--;
        throw error;
      },
    );
  }

  /** Finishes the oldest inference with [firstValue·10] and lets the promise chains run. */
  async finish(): Promise<void> {
    const value = this.decodedFirstValues[this.decodedFirstValues.length - this.#resolve.length]!;
    this.#reject.shift();
    this.#resolve.shift()!(new Float32Array([value * 10]));
    await flush();
  }

  async fail(): Promise<void> {
    this.#resolve.shift();
    this.#reject.shift()!(new Error('boom'));
    await flush();
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The window stage's habit that decodeLatest must survive: one input object and one window buffer, reused. */
function windowStage(): { input: DecodeInput; close(index: number): DecodeInput } {
  const window = new Float32Array(4);
  const bin: ClosedBin = { index: -1, endSample: 0, counts: window, sourceSentNs: NaN, receivedNs: 0, closedNs: 0 };
  const input: DecodeInput = { bin, window };
  return {
    input,
    close(index: number) {
      bin.index = index;
      bin.endSample = (index + 1) * 1500;
      bin.receivedNs = index * 1000;
      bin.closedNs = index * 1000 + 10;
      bin.sourceSentNs = index * 1000 - 50;
      window.fill(index);
      return input;
    },
  };
}

test('windows arriving during an inference: only the newest is decoded next, the rest are counted as skipped', async () => {
  const decoder = new ManualDecoder();
  const stage = windowStage();
  const bins = new Subject<DecodeInput>();
  const outputs: Kinematics[] = [];
  let skipped = 0;
  let completed = false;
  bins.pipe(decodeLatest(decoder, (count) => (skipped += count))).subscribe({
    next: (k) => outputs.push(k),
    complete: () => (completed = true),
  });

  bins.next(stage.close(0)); // starts at once
  for (let k = 1; k <= 5; k++) bins.next(stage.close(k)); // 1..4 skipped, 5 pending
  assert.deepEqual(decoder.decodedFirstValues, [0]);
  assert.equal(skipped, 4);

  await decoder.finish(); // bin 0 done → emitted (stale: 5 closed meanwhile), bin 5 starts
  assert.deepEqual(decoder.decodedFirstValues, [0, 5]);
  bins.next(stage.close(6)); // pending
  await decoder.finish(); // bin 5 done (stale: 6 closed), bin 6 starts
  await decoder.finish(); // bin 6 done, nothing pending, not stale
  bins.next(stage.close(7)); // idle: starts at once
  await decoder.finish();

  assert.deepEqual(decoder.decodedFirstValues, [0, 5, 6, 7]);
  assert.equal(skipped, 4);
  assert.equal(decoder.maxInFlight, 1);
  assert.deepEqual(
    outputs.map((k) => [k.binIndex, k.binEndSample, k.values[0], k.stale]),
    [
      [0, 1500, 0, true],
      [5, 9000, 50, true],
      [6, 10500, 60, false],
      [7, 12000, 70, false],
    ],
  );
  // Stamps belong to the decoded bin, copied when its inference started, not to the bin that was newest later.
  const first = outputs[0]!;
  assert.equal(first.receivedNs, 0);
  assert.equal(first.closedNs, 10);
  assert.equal(first.sourceSentNs, -50);
  assert.ok(first.inferEndNs >= first.inferStartNs);
  assert.equal(outputs[1]!.receivedNs, 5000);

  bins.complete();
  assert.ok(completed);
});

test('a pending window is still decoded after the source completes', async () => {
  const decoder = new ManualDecoder();
  const stage = windowStage();
  const bins = new Subject<DecodeInput>();
  const decoded: number[] = [];
  let completed = false;
  bins.pipe(decodeLatest(decoder, () => undefined)).subscribe({
    next: (k) => decoded.push(k.binIndex),
    complete: () => (completed = true),
  });
  bins.next(stage.close(0));
  bins.next(stage.close(1));
  bins.complete();
  assert.equal(completed, false);
  await decoder.finish();
  await decoder.finish();
  assert.deepEqual(decoded, [0, 1]);
  assert.ok(completed);
});

test('a failed inference is reported and decoding carries on with the pending window', async () => {
  const decoder = new ManualDecoder();
  const stage = windowStage();
  const bins = new Subject<DecodeInput>();
  const decoded: number[] = [];
  const failures: number[] = [];
  bins.pipe(decodeLatest(decoder, () => undefined, (_error, binIndex) => failures.push(binIndex))).subscribe((k) =>
    decoded.push(k.binIndex),
  );
  bins.next(stage.close(0));
  bins.next(stage.close(1));
  await decoder.fail();
  await decoder.finish();
  assert.deepEqual(failures, [0]);
  assert.deepEqual(decoded, [1]);
});

test('unsubscribing drops the in-flight result', async () => {
  const decoder = new ManualDecoder();
  const stage = windowStage();
  const bins = new Subject<DecodeInput>();
  const decoded: number[] = [];
  const subscription = bins.pipe(decodeLatest(decoder, () => undefined)).subscribe((k) => decoded.push(k.binIndex));
  bins.next(stage.close(0));
  subscription.unsubscribe();
  await decoder.finish();
  assert.deepEqual(decoded, []);
});
