import assert from 'node:assert/strict';
import test from 'node:test';

import { Subject } from 'rxjs';

import type { ClosedBin } from '../../src/bin';
import { ContextWindow, slideWindow, type WindowFrame } from '../../src/window';

function bin(index: number, counts: number[]): ClosedBin {
  return { index, endSample: (index + 1) * 10, counts: Float32Array.from(counts), sourceSentNs: Number.NaN, receivedNs: 0, closedNs: 0 };
}

/** Bin i has counts [i, 100 + i]: easy to read back in order. */
const binI = (i: number): ClosedBin => bin(i, [i, 100 + i]);

test('before the window fills, the oldest rows are zeros and the newest bin is last', () => {
  const window = new ContextWindow({ windowBins: 3, channels: 2 });
  assert.equal(window.filledBins, 0);
  assert.deepEqual([...window.view()], [0, 0, 0, 0, 0, 0]);
  window.push(binI(7));
  assert.deepEqual([...window.view()], [0, 0, 0, 0, 7, 107]);
  assert.equal(window.filledBins, 1);
  assert.equal(window.isFull, false);
  assert.equal(window.newestBinIndex, 7);
});

test('after many wrap-arounds the view is the last T bins, oldest first, contiguous and never copied', () => {
  const window = new ContextWindow({ windowBins: 4, channels: 2 });
  const views = new Set<Float32Array>();
  for (let i = 0; i < 23; i++) {
    window.push(binI(i));
    const view = window.view();
    views.add(view);
    const expected = [];
    for (let k = i - 3; k <= i; k++) expected.push(k < 0 ? 0 : k, k < 0 ? 0 : 100 + k);
    assert.deepEqual([...view], expected, `after bin ${i}`);
    assert.equal(view.length, 4 * 2);
  }
  assert.ok(window.isFull);
  assert.equal(views.size, 4, 'the window cycles through T preallocated views (rows 1..T of the 2T-row ring)');
  const [first] = views;
  assert.equal(first.buffer.byteLength, 2 * 4 * 2 * 4, 'every view shares one 2T x channels float32 buffer');
});

test('a short jump in bin index zero-fills the skipped bins; a long jump or a step back refills the window', () => {
  const window = new ContextWindow({ windowBins: 4, channels: 2 });
  window.push(binI(1));
  window.push(binI(2));
  window.push(binI(5)); // 3 and 4 missing
  assert.deepEqual([...window.view()], [2, 102, 0, 0, 0, 0, 5, 105]);
  assert.equal(window.stats.binsZeroFilled, 2);
  window.push(binI(100)); // a whole window or more missing: the binner started over, so the window refills
  assert.equal(window.stats.binsZeroFilled, 2 + 94);
  assert.equal(window.filledBins, 1);
  assert.equal(window.isFull, false);
  for (const i of [101, 102, 103]) window.push(binI(i));
  assert.deepEqual([...window.view()], [100, 200, 101, 201, 102, 202, 103, 203]);
  window.push(binI(7)); // back in time (a publisher restart): counted, and the window refills from it
  assert.equal(window.stats.binsOutOfOrder, 1);
  assert.equal(window.filledBins, 1);
  assert.deepEqual([...window.view()].slice(6), [7, 107]);
});

test('the window keeps its own copy of each bin (the binner reuses its rows)', () => {
  const window = new ContextWindow({ windowBins: 2, channels: 2 });
  const b = binI(0);
  window.push(b);
  b.counts.fill(0);
  assert.deepEqual([...window.view()], [0, 0, 0, 100]);
});

test('bad sizes are refused with the option name and value', () => {
  assert.throws(() => new ContextWindow({ windowBins: 0, channels: 2 }), /windowBins must be a positive integer, got 0/);
  const window = new ContextWindow({ windowBins: 2, channels: 3 });
  assert.throws(() => window.push(binI(0)), /bin of 2 channels but was built for 3/);
});

test('slideWindow emits the updated window after each bin', () => {
  const window = new ContextWindow({ windowBins: 2, channels: 2 });
  const bins = new Subject<ClosedBin>();
  const seen: Array<{ index: number; counts: number[]; filledBins: number }> = [];
  bins.pipe(slideWindow(window)).subscribe((frame: WindowFrame) =>
    seen.push({ index: frame.bin.index, counts: [...frame.counts], filledBins: frame.filledBins }),
  );
  bins.next(binI(3));
  bins.next(binI(4));
  bins.next(binI(5));
  assert.deepEqual(seen, [
    { index: 3, counts: [0, 0, 3, 103], filledBins: 1 },
    { index: 4, counts: [3, 103, 4, 104], filledBins: 2 },
    { index: 5, counts: [4, 104, 5, 105], filledBins: 2 },
  ]);
});
