import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { binSamplesOf, loadConfig, REPO_ROOT } from '../../src/config';
import { ConfigError } from '../../src/errors';

const CONFIG_DIR = path.join(REPO_ROOT, 'config');

function writeConfig(yaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rpntd-config-'));
  const file = path.join(dir, 'test.yaml');
  writeFileSync(file, yaml);
  return file;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'RPNTD_ERR_CONFIG');
    return error;
  }
  assert.fail('expected a ConfigError');
}

test('defaults are the m1-stevenson2011 setup with paths against the repo root', () => {
  const config = loadConfig(undefined);
  assert.deepEqual(config.ingest.endpoints, ['tcp://127.0.0.1:5555']);
  assert.equal(config.ingest.channels, 171);
  assert.equal(config.bin.binMs, 50);
  assert.equal(binSamplesOf(config), 1500);
  assert.equal(config.model.path, path.join(REPO_ROOT, 'models/rpnt-m1-stevenson2011.onnx'));
  assert.equal(config.model.card, path.join(REPO_ROOT, 'models/rpnt-m1-stevenson2011.json'));
  assert.equal(config.publish.endpoint, 'tcp://127.0.0.1:5560');
  assert.equal(config.metrics.port, 9464);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.ingest.endpoints) && Object.isFrozen(config.model));
});

test('config/default.yaml is exactly the built-in defaults', () => {
  assert.deepEqual(loadConfig(path.join(CONFIG_DIR, 'default.yaml')), loadConfig(undefined));
});

test('every shipped YAML file validates', () => {
  const files = readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3, `found ${files.join(', ')}`);
  for (const file of files) loadConfig(path.join(CONFIG_DIR, file));
  assert.equal(loadConfig(path.join(CONFIG_DIR, 'utah-96.yaml')).ingest.channels, 96);
  assert.equal(loadConfig(path.join(CONFIG_DIR, 'neuropixels-384.yaml')).ingest.channels, 384);
});

test('an unknown key is an error with a did-you-mean hint', () => {
  const error = configError(() => loadConfig(writeConfig('bin:\n  binWidthMs: 20\n')));
  assert.match(error.message, /unknown config key "bin\.binWidthMs"/);
  assert.match(error.message, /did you mean "binMs"\?/);
  assert.match(error.message, /test\.yaml/);

  const top = configError(() => loadConfig(writeConfig('modle:\n  path: x.onnx\n')));
  assert.match(top.message, /unknown config key "modle".*did you mean "model"\?/);

  const far = configError(() => loadConfig(writeConfig('metrics:\n  somethingElse: 1\n')));
  assert.match(far.message, /expected one of: host, port, enabled/);
});

test('a wrong type names the path, the value and what is expected', () => {
  const negative = configError(() => loadConfig(writeConfig('bin:\n  binMs: -5\n')));
  assert.match(negative.message, /^bin\.binMs must be a positive number of milliseconds, got -5 \(.*test\.yaml\)/);

  const text = configError(() => loadConfig(writeConfig('ingest:\n  channels: "many"\n')));
  assert.match(text.message, /ingest\.channels must be a whole number of channels between 1 and 65536, got "many"/);

  const provider = configError(() => loadConfig(writeConfig('model:\n  executionProvider: rocm\n')));
  assert.match(provider.message, /model\.executionProvider must be one of cpu, cuda, tensorrt, got "rocm".*docs\/GPU\.md/);

  const endpoint = configError(() => loadConfig(writeConfig('ingest:\n  endpoints: [tcp://a:1, "localhost:5555"]\n')));
  assert.match(endpoint.message, /ingest\.endpoints\[1\] must be a ZeroMQ endpoint.*got "localhost:5555"/);
});

test('a bin width that is not a whole number of samples says so', () => {
  const error = configError(() => loadConfig(writeConfig('ingest:\n  rateHz: 30000\nbin:\n  binMs: 0.01\n')));
  assert.match(error.message, /whole number of samples per bin, got 0\.01 ms × 30000 Hz = 0\.3 samples/);
  assert.match(error.message, /nearest widths in whole samples are 0\.03333333333 ms \(1 samples\)/);
  // 20 ms at 30 kHz = 600 samples; 50/3 ms written to 10 digits is accepted as 500 samples.
  assert.equal(binSamplesOf(loadConfig(writeConfig('bin:\n  binMs: 20\n'))), 600);
  assert.equal(binSamplesOf(loadConfig(writeConfig('bin:\n  binMs: 16.66666667\n'))), 500);
});

test('CLI overrides replace the file values; --model brings its card along and resolves against cwd', () => {
  const file = writeConfig('ingest:\n  endpoints: [tcp://10.0.0.1:5555]\nmodel:\n  path: models/a.onnx\n');
  const fromFile = loadConfig(file);
  assert.equal(fromFile.model.path, path.join(path.dirname(file), 'models/a.onnx'));
  assert.equal(fromFile.model.card, path.join(path.dirname(file), 'models/a.json'));

  const overridden = loadConfig(file, {
    inputEndpoints: ['tcp://127.0.0.1:7000', 'ipc:///tmp/spikes'],
    outputEndpoint: 'tcp://127.0.0.1:7001',
    modelPath: 'other/b.onnx',
    metricsPort: 0,
  });
  assert.deepEqual(overridden.ingest.endpoints, ['tcp://127.0.0.1:7000', 'ipc:///tmp/spikes']);
  assert.equal(overridden.publish.endpoint, 'tcp://127.0.0.1:7001');
  assert.equal(overridden.model.path, path.resolve('other/b.onnx'));
  assert.equal(overridden.model.card, path.resolve('other/b.json'));
  assert.equal(overridden.metrics.port, 0);

  const badPort = configError(() => loadConfig(undefined, { metricsPort: 70000 }));
  assert.match(badPort.message, /metrics\.port must be a TCP port.*got 70000 \(--metrics-port\)/);
});

test('a card path written in the file is relative to the file', () => {
  const file = writeConfig('model:\n  path: m.onnx\n  card: cards/m-card.json\n');
  assert.equal(loadConfig(file).model.card, path.join(path.dirname(file), 'cards/m-card.json'));
});

test('a missing file and broken YAML are ConfigErrors', () => {
  assert.match(configError(() => loadConfig('/nonexistent/rpntd.yaml')).message, /cannot read config file .*ENOENT/);
  assert.match(configError(() => loadConfig(writeConfig('bin: [1, 2\n'))).message, /is not valid YAML/);
  assert.match(configError(() => loadConfig(writeConfig('- 1\n- 2\n'))).message, /must hold a YAML mapping/);
});
