import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { loadConfig } from '../../src/config';
import { checkCardAgainstConfig, loadModelCard } from '../../src/decode';
import { ModelError, ModelMismatchError } from '../../src/errors';
import { FIXTURE_CARD, FIXTURE_ONNX } from './fixture-model';

function tempCard(edit: (card: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rpntd-card-'));
  copyFileSync(FIXTURE_ONNX, path.join(dir, 'linear-fixture.onnx'));
  const card = JSON.parse(readFileSync(FIXTURE_CARD, 'utf8')) as Record<string, unknown>;
  edit(card);
  const file = path.join(dir, 'linear-fixture.json');
  writeFileSync(file, JSON.stringify(card));
  return file;
}

test('the fixture card loads and its sha256 matches the ONNX file', () => {
  const card = loadModelCard(FIXTURE_CARD);
  assert.equal(card.name, 'linear-fixture');
  assert.equal(card.window_bins, 4);
  assert.equal(card.channels, 5);
  assert.deepEqual(card.outputs.names, ['vel_x', 'vel_y']);
  assert.equal(card.onnxPath, FIXTURE_ONNX);
  assert.equal(card.cardPath, FIXTURE_CARD);
});

test('a sha256 mismatch is a ModelError that says the files do not belong together', () => {
  const file = tempCard((card) => {
    card.onnx_sha256 = '0'.repeat(64);
  });
  assert.throws(
    () => loadModelCard(file),
    (error: unknown) =>
      error instanceof ModelError &&
      error.code === 'RPNTD_ERR_MODEL' &&
      /has sha256 [0-9a-f]{64} but its card .* says 0{64}; the model and card do not belong together/.test(error.message),
  );
});

test('an incomplete or inconsistent card names the field', () => {
  const missing = tempCard((card) => {
    delete card.bin_ms;
  });
  assert.throws(() => loadModelCard(missing), /bin_ms is invalid/);
  const unpaired = tempCard((card) => {
    card.context = { names: ['a', 'b'], values: [1] };
  });
  assert.throws(() => loadModelCard(unpaired), /context\.names has 2 entries but context\.values has 1/);
  assert.throws(() => loadModelCard('/nonexistent/model.json'), /cannot read model card .*ENOENT/);
});

test('a card that disagrees with the config is refused with both values and the fix', () => {
  const card = loadModelCard(FIXTURE_CARD);
  const matching = { ...loadConfig(undefined), ingest: { ...loadConfig(undefined).ingest, channels: 5 } };
  checkCardAgainstConfig(card, matching); // 5 channels, 50 ms, ring 64 ≥ 4: accepted

  const config = loadConfig(undefined); // 171 channels
  assert.throws(
    () => checkCardAgainstConfig(card, config),
    (error: unknown) =>
      error instanceof ModelMismatchError &&
      error.code === 'RPNTD_ERR_MODEL_MISMATCH' &&
      /model "linear-fixture" 0\.0\.1 .* expects 5 channels but ingest\.channels is 171; use a model trained for 171 channels .* or set ingest\.channels: 5/.test(
        error.message,
      ),
  );
  const wrongBin = { ...matching, bin: { ...matching.bin, binMs: 20 } };
  assert.throws(() => checkCardAgainstConfig(card, wrongBin), /trained on 50 ms bins but bin\.binMs is 20; set bin\.binMs: 50/);
  const badContext = { ...matching, model: { ...matching.model, context: { gian: 2 } } };
  assert.throws(() => checkCardAgainstConfig(card, badContext), /model\.context\.gian is not a context input .*gain, offset/);
});
