import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import * as ort from 'onnxruntime-node';
import { Decoder, loadModelCard, type DecoderOptions } from '../../src/decode';
import { ModelError } from '../../src/errors';
import {
  assertClose,
  captureLogger,
  countsWindow,
  expectedLastBin,
  FIXTURE_CARD,
  FIXTURE_ONNX,
  N,
  T,
} from './fixture-model';

function options(overrides: Partial<DecoderOptions> = {}): DecoderOptions {
  return {
    modelPath: FIXTURE_ONNX,
    card: loadModelCard(FIXTURE_CARD),
    executionProvider: 'cpu',
    intraOpThreads: 1,
    interOpThreads: 1,
    warmupRuns: 2,
    log: captureLogger().log,
    ...overrides,
  };
}

test('onnxruntime-node honours the byteOffset of a Float32Array view', async () => {
  // The finding the Decoder's comment relies on: a tensor over ring.subarray(...) reads the right floats.
  const session = await ort.InferenceSession.create(FIXTURE_ONNX);
  const ring = new Float32Array(T * N * 3);
  ring.fill(100);
  const window = countsWindow(7);
  ring.set(window, T * N);
  const view = ring.subarray(T * N, 2 * T * N);
  assert.equal(view.byteOffset, T * N * 4);
  const context = new ort.Tensor('float32', new Float32Array([1, -0.5]), [1, 2]);
  const fromView = await session.run({ spikes: new ort.Tensor('float32', view, [1, T, N]), context });
  const fromCopy = await session.run({ spikes: new ort.Tensor('float32', Float32Array.from(window), [1, T, N]), context });
  assert.deepEqual(Array.from(fromView.kinematics!.data as Float32Array), Array.from(fromCopy.kinematics!.data as Float32Array));
  await session.release();
});

test('decode returns the last bin of a linear model, matching a hand computation', async () => {
  const decoder = await Decoder.create(options());
  assert.equal(decoder.executionProvider, 'cpu');
  assert.equal(decoder.outputCount, 2);
  for (let seed = 1; seed <= 5; seed++) {
    const window = countsWindow(seed);
    assertClose(await decoder.decode(window), expectedLastBin(window));
  }
  // Hand-checked case, all ones: Σ_t x = 4 per channel and W's column sums are 0.25, 0.5 → [1, 2]; V's column sums
  // are 0, 0; context [1, −0.5]·U = [1·0.5 − 0.5·1, 1·0 − 0.5·0.5] = [0, −0.25]; bias [0.25, 0.5] → [1.25, 2.25].
  assertClose(await decoder.decode(new Float32Array(T * N).fill(1)), [1.25, 2.25]);
  assert.deepEqual(decoder.stats, { inferences: 6, failures: 0 });
  await decoder.close();
});

test('decode reads a view into a larger ring at its offset', async () => {
  const decoder = await Decoder.create(options({ warmupRuns: 0 }));
  const ring = new Float32Array(T * N * 4).fill(9);
  const window = countsWindow(3);
  ring.set(window, 2 * T * N + N); // an odd offset, as a ring's view would have
  const view = ring.subarray(2 * T * N + N, 3 * T * N + N);
  assertClose(await decoder.decode(view), expectedLastBin(window));
  await decoder.close();
});

test('the model sees the window as it was when decode was called, even if it changes before the run', async () => {
  const decoder = await Decoder.create(options({ warmupRuns: 0 }));
  const window = countsWindow(11);
  const original = Array.from(window);
  const pending = decoder.decode(window);
  window.fill(0); // the next bin moved the window before onnxruntime ran (it runs in a later setImmediate)
  assertClose(await pending, expectedLastBin(original));
  await decoder.close();
});

test('context overrides replace the card value by name', async () => {
  const decoder = await Decoder.create(options({ contextOverrides: { offset: 2 }, warmupRuns: 0 }));
  const window = countsWindow(5);
  assertClose(await decoder.decode(window), expectedLastBin(window, [1.0, 2]));
  await decoder.close();
  await assert.rejects(Decoder.create(options({ contextOverrides: { ofset: 2 } })), /model\.context\.ofset is not a context input/);
});

test('a second decode while one is in flight and a wrong window length are refused', async () => {
  const decoder = await Decoder.create(options({ warmupRuns: 0 }));
  const first = decoder.decode(countsWindow(1));
  await assert.rejects(decoder.decode(countsWindow(2)), (e: unknown) => e instanceof ModelError && /in flight/.test(e.message));
  await first;
  await assert.rejects(decoder.decode(new Float32Array(7)), /window has 7 floats but model "linear-fixture" needs .* 4 × 5 = 20/);
  await decoder.close();
});

test('cuda requested without its libraries falls back to cpu with one warning naming the provider and docs/GPU.md', async () => {
  const { log, lines } = captureLogger();
  const decoder = await Decoder.create(options({ executionProvider: 'cuda', log }));
  assert.equal(decoder.executionProvider, 'cpu');
  const warnings = lines.filter((line) => line.level === 40);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.requestedProvider, 'cuda');
  assert.match(String(warnings[0]!.msg), /execution provider cuda unavailable \(.*libonnxruntime_providers_cuda\.so.* not found in .*\); running on cpu instead.*docs\/GPU\.md/);
  const window = countsWindow(2);
  assertClose(await decoder.decode(window), expectedLastBin(window));
  await decoder.close();
});

test('a provider whose libraries are present but fail to load also falls back to cpu with one warning', async () => {
  // Files exist in this folder, so the Decoder really asks onnxruntime for TensorRT; onnxruntime looks in its own
  // folder, finds nothing and throws, which is the path a broken GPU install takes.
  const dir = mkdtempSync(path.join(tmpdir(), 'rpntd-providers-'));
  for (const lib of ['shared', 'cuda', 'tensorrt']) writeFileSync(path.join(dir, `libonnxruntime_providers_${lib}.so`), '');
  const { log, lines } = captureLogger();
  const decoder = await Decoder.create(options({ executionProvider: 'tensorrt', providerLibraryDir: dir, log }));
  assert.equal(decoder.executionProvider, 'cpu');
  const warnings = lines.filter((line) => line.level === 40);
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]!.msg), /execution provider tensorrt unavailable \(onnxruntime: .*\); running on cpu/);
  await decoder.close();
});

test('a model whose shapes disagree with its card is refused', async () => {
  const card = loadModelCard(FIXTURE_CARD);
  const lying = { ...card, channels: 6 };
  await assert.rejects(Decoder.create(options({ card: lying })), /"spikes" has shape \[batch, 4, 5\], expected \[batch, 4, 6\]/);
});
