import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';

import { SpikeBinner } from '../../src/bin';
import { SpikeSubscriber, type SpikeBatch } from '../../src/ingest';
import { createLogger } from '../../src/log';
import { REPO_ROOT } from '../bin/shared-data';
import { freeLoopbackPort } from './loopback';

const PYTHON = '/usr/bin/python3';
const pythonReady = spawnSync(PYTHON, ['-c', 'import zmq, msgpack'], { stdio: 'ignore' }).status === 0;
const skip = pythonReady ? false : `${PYTHON} with pyzmq and msgpack is needed (Debian: python3-zmq python3-msgpack)`;

test('examples/publish-spikes.py is decoded and binned by rpntd without a single malformed message', { skip }, async () => {
  const port = await freeLoopbackPort();
  const endpoint = `tcp://127.0.0.1:${port}`;
  const silent = createLogger('test', 'silent');
  const subscriber = new SpikeSubscriber({ endpoints: [endpoint], log: silent });
  const binner = new SpikeBinner({ channels: 16, rateHz: 30000, binSamples: 1500, log: silent });
  const batches: Array<Pick<SpikeBatch, 'source' | 'seq' | 't0Samples' | 't1Samples' | 'sentNs' | 'receivedNs'>> = [];
  let binnedInClosedBins = 0;
  subscriber.batches().subscribe((batch) => {
    const { source, seq, t0Samples, t1Samples, sentNs, receivedNs } = batch;
    batches.push({ source, seq, t0Samples, t1Samples, sentNs, receivedNs });
    for (let i = 0; i < batch.offsets.length; i++) {
      assert.ok(batch.offsets[i] < t1Samples - t0Samples && batch.channels[i] < 16, 'spike outside its message');
    }
    binner.push(batch, (bin) => (binnedInClosedBins += bin.counts.reduce((sum, c) => sum + c, 0)));
  });

  // 300 messages of 150 samples = 1.5 s at 30 kHz; the subscriber misses the first few while connecting.
  const script = path.join(REPO_ROOT, 'examples', 'publish-spikes.py');
  const publisher = spawn(PYTHON, [script, '--endpoint', endpoint, '--source', 'py0', '--channels', '16',
    '--block-samples', '150', '--messages', '300', '--spike-rate-hz', '50', '--seed', '7'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  publisher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exitCode = await new Promise<number | null>((resolve) => publisher.on('close', resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await subscriber.close();

  assert.equal(exitCode, 0, `publisher failed: ${stderr}`);
  assert.equal(subscriber.stats.messagesMalformed, 0);
  assert.ok(batches.length >= 100, `only ${batches.length} of 300 messages arrived`);
  const last = batches[batches.length - 1];
  assert.equal(last.seq, 299);
  assert.equal(last.t1Samples, 300 * 150);
  for (let i = 1; i < batches.length; i++) {
    assert.equal(batches[i].seq, batches[i - 1].seq + 1, 'pub/sub on loopback must not lose messages once joined');
    assert.equal(batches[i].t0Samples, batches[i - 1].t1Samples);
  }
  assert.ok(batches.every((b) => b.source === 'py0' && b.sentNs > 0 && b.receivedNs >= b.sentNs),
    'sent_ns (Python time.monotonic_ns) and our receive stamp share CLOCK_MONOTONIC');
  // ~16 channels · 50 Hz · 1.5 s = 1200 spikes; all binned, and every binned spike reached a closed bin but the open one's.
  assert.ok(binner.stats.spikesReceived > 500, `only ${binner.stats.spikesReceived} spikes`);
  assert.equal(binner.stats.spikesInvalid + binner.stats.spikesLate, 0);
  assert.equal(binner.stats.seqGaps + binner.stats.sampleGaps + binner.stats.overlaps, 0);
  assert.equal(binner.lowestOpenBin, 30, 'bins up to sample 45000 = 30 · 1500 closed');
  assert.equal(binnedInClosedBins, binner.stats.spikesBinned);
});
