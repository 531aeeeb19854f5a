// Parity of the shipped RPNT model: onnxruntime-node on the golden input written by `python3 -m rpnt export`
// must reproduce PyTorch's output within 1e-4, and the model card must describe the ONNX file it ships with.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';

// dist/test/model -> repo root; RPNT_MODELS_DIR lets the Python tests point this at a freshly exported model.
const repoRoot = path.resolve(__dirname, '../../..');
const modelsDir = process.env.RPNT_MODELS_DIR ?? path.join(repoRoot, 'models');
const name = process.env.RPNT_MODEL_NAME ?? 'rpnt-m1-stevenson2011';
const onnxPath = path.join(modelsDir, `${name}.onnx`);
const cardPath = path.join(modelsDir, `${name}.json`);
const goldenPath = path.join(modelsDir, `${name}.golden.json`);

interface Card {
  name: string;
  version: string;
  onnx: string;
  onnx_sha256: string;
  opset: number;
  bin_ms: number;
  window_bins: number;
  channels: number;
  context: { names: string[]; values: number[] };
  outputs: { name: string; names: string[]; units: string[] };
  test_r2: { x: number; y: number; mean: number; evaluated_on: string };
}

interface Golden {
  spikes_shape: number[];
  spikes: number[];
  context_shape: number[];
  context: number[];
  kinematics_shape: number[];
  kinematics: number[];
}

const card = JSON.parse(readFileSync(cardPath, 'utf8')) as Card;
const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as Golden;
const product = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

test('model card names the shipped ONNX file and its sha256', () => {
  assert.equal(card.name, name);
  assert.equal(card.onnx, path.basename(onnxPath));
  const sha = createHash('sha256').update(readFileSync(onnxPath)).digest('hex');
  assert.equal(card.onnx_sha256, sha, 'card.onnx_sha256 must be the sha256 of the ONNX file; re-run export');
  assert.equal(card.opset, 17);
  assert.equal(card.context.values.length, card.context.names.length);
  assert.equal(card.outputs.names.length, card.outputs.units.length);
  assert.equal(card.test_r2.evaluated_on, 'last bin of each window');
});

test('golden shapes agree with the model card', () => {
  const [b, t, n] = golden.spikes_shape;
  assert.equal(t, card.window_bins);
  assert.equal(n, card.channels);
  assert.deepEqual(golden.context_shape, [b, card.context.names.length]);
  assert.deepEqual(golden.kinematics_shape, [b, card.window_bins, card.outputs.names.length]);
  assert.equal(golden.spikes.length, product(golden.spikes_shape));
  assert.equal(golden.context.length, product(golden.context_shape));
  assert.equal(golden.kinematics.length, product(golden.kinematics_shape));
});

test('onnxruntime-node reproduces PyTorch on the golden input within 1e-4', async () => {
  const session = await ort.InferenceSession.create(onnxPath, { executionProviders: ['cpu'] });
  try {
    assert.deepEqual([...session.inputNames].sort(), ['context', 'spikes']);
    assert.deepEqual([...session.outputNames], ['kinematics']);
    const feeds = {
      spikes: new ort.Tensor('float32', Float32Array.from(golden.spikes), golden.spikes_shape),
      context: new ort.Tensor('float32', Float32Array.from(golden.context), golden.context_shape),
    };
    const out = (await session.run(feeds)).kinematics;
    assert.deepEqual([...out.dims], golden.kinematics_shape);
    const got = out.data as Float32Array;
    let maxErr = 0;
    for (let i = 0; i < got.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - golden.kinematics[i]));
    assert.ok(maxErr <= 1e-4, `max abs error ${maxErr} exceeds 1e-4`);

    // The batch dimension is dynamic: one window alone gives the same outputs as inside the batch of two.
    const [, t, n] = golden.spikes_shape;
    const c = golden.context_shape[1];
    const single = (await session.run({
      spikes: new ort.Tensor('float32', Float32Array.from(golden.spikes.slice(0, t * n)), [1, t, n]),
      context: new ort.Tensor('float32', Float32Array.from(golden.context.slice(0, c)), [1, c]),
    })).kinematics;
    const d = golden.kinematics_shape[2];
    const one = single.data as Float32Array;
    for (let i = 0; i < t * d; i++) assert.ok(Math.abs(one[i] - golden.kinematics[i]) <= 1e-4);
  } finally {
    await session.release();
  }
});
