import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { REPO_ROOT } from '../../src/config';
import { freePort } from '../helpers/free-port';

const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const FIXTURE_MODEL = path.join(REPO_ROOT, 'test', 'fixtures', 'models', 'linear-fixture.onnx');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `rpntd ARGS`; when `untilStderr` appears, sends `signal`. Resolves on exit. */
function rpntd(args: string[], untilStderr?: RegExp, signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (untilStderr && !signalled && untilStderr.test(stderr)) {
        signalled = true;
        child.kill(signal);
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function fixtureConfig(channels: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rpntd-cli-'));
  const file = path.join(dir, 'rpntd.yaml');
  writeFileSync(
    file,
    [
      `ingest: { endpoints: ["tcp://127.0.0.1:${await freePort()}"], channels: ${channels}, rateHz: 30000 }`,
      'bin: { binMs: 50 }',
      `model: { path: ${JSON.stringify(FIXTURE_MODEL)}, warmupRuns: 1 }`,
      `publish: { endpoint: "tcp://127.0.0.1:${await freePort()}" }`,
      `metrics: { port: ${await freePort()} }`,
      '',
    ].join('\n'),
  );
  return file;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`rpntd run stops cleanly on ${signal}: sockets closed, exit code 0`, { timeout: 40_000 }, async () => {
    const exit = await rpntd(['run', '--config', await fixtureConfig(5)], /rpntd running/, signal);
    assert.equal(exit.code, 0, exit.stderr);
    assert.match(exit.stderr, /rpntd stopped/);
  });
}

test('rpntd run refuses a model whose channel count differs from the config, naming both values', { timeout: 30_000 }, async () => {
  const exit = await rpntd(['run', '--config', await fixtureConfig(7)]);
  assert.equal(exit.code, 1);
  assert.match(exit.stderr, /expects 5 channels but ingest\.channels is 7/);
});

test('rpntd run refuses an unknown config key with a suggestion', { timeout: 30_000 }, async () => {
  const file = await fixtureConfig(5);
  writeFileSync(file, 'bin: { binWidthMs: 50 }\n');
  const exit = await rpntd(['run', '--config', file]);
  assert.equal(exit.code, 1);
  assert.match(exit.stderr, /binWidthMs/);
  assert.match(exit.stderr, /binMs/);
});

test('rpntd replay rejects a speed that is not a positive number', { timeout: 30_000 }, async () => {
  const exit = await rpntd(['replay', '--endpoint', 'tcp://127.0.0.1:1', '--speed', '-2']);
  assert.notEqual(exit.code, 0);
  assert.match(exit.stderr, /--speed must be a positive number/);
});
