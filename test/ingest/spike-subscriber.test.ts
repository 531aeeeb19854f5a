import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'node:test';

import { encode } from '@msgpack/msgpack';
import { Publisher } from 'zeromq';

import { SpikeSubscriber, encodeSpikeMessage, type SpikeBatch } from '../../src/ingest';
import { createLogger } from '../../src/log';

const silent = createLogger('test', 'silent');

function message(seq: number, source = 'utah-a'): [Buffer, Buffer] {
  return encodeSpikeMessage({
    source,
    seq,
    rateHz: 30000,
    t0Samples: seq * 30,
    t1Samples: seq * 30 + 30,
    offsets: Uint32Array.of(seq % 30, 29),
    channels: Uint16Array.of(seq % 96, 1),
    sentNs: 1_000 + seq,
  });
}

test('subscriber over loopback TCP: decodes batches, counts malformed messages and keeps going', async (t) => {
  const publisher = new Publisher();
  await publisher.bind('tcp://127.0.0.1:*');
  const endpoint = publisher.lastEndpoint as string;
  const subscriber = new SpikeSubscriber({ endpoints: [endpoint], log: silent });
  t.after(async () => {
    await subscriber.close();
    publisher.close();
  });

  const received: SpikeBatch[] = [];
  let completed = false;
  subscriber.batches().subscribe({
    // Copy what we keep: the arrays view the received frame.
    next: (batch) => received.push({ ...batch, offsets: batch.offsets.slice(), channels: batch.channels.slice() }),
    complete: () => (completed = true),
  });

  // PUB drops messages until the subscription has propagated: send probes (seq 0) until one arrives.
  for (let attempt = 0; received.length === 0; attempt++) {
    assert.ok(attempt < 200, 'subscriber never received a probe');
    await publisher.send(message(0, 'probe'));
    await sleep(10);
  }
  received.length = 0;
  const probesCounted = subscriber.stats.messagesReceived;

  await publisher.send(message(1));
  await publisher.send([Buffer.from('spikes'), Buffer.from(encode({ v: 9 }))]); // version
  await publisher.send([Buffer.from('spikes'), Buffer.from([0xc1])]); // msgpack
  await publisher.send([Buffer.from('spikes/x'), message(2)[1], Buffer.from('extra')]); // frames
  await publisher.send([Buffer.from('spikesX'), message(2)[1]]); // topic: matches the prefix filter, not the rule
  await publisher.send(message(2));
  for (let waited = 0; received.length < 2; waited++) {
    assert.ok(waited < 200, `only ${received.length} of 2 valid batches arrived`);
    await sleep(10);
  }

  assert.deepEqual(
    received.map((b) => [b.source, b.seq, b.t0Samples, b.t1Samples, [...b.offsets], [...b.channels], b.sentNs]),
    [
      ['utah-a', 1, 30, 60, [1, 29], [1, 1], 1001],
      ['utah-a', 2, 60, 90, [2, 29], [2, 1], 1002],
    ],
  );
  assert.ok(received.every((b) => b.receivedNs > 0));
  assert.equal(subscriber.stats.messagesReceived - probesCounted, 6);
  assert.equal(subscriber.stats.messagesMalformed, 4);
  assert.deepEqual(subscriber.stats.malformedByReason, { frames: 1, topic: 1, msgpack: 1, version: 1, field: 0, length: 0 });
  assert.equal(subscriber.stats.spikesReceived, 2 * (probesCounted + 2));

  await subscriber.close();
  assert.ok(completed, 'batches() completes once the subscriber is closed');
});

test('subscriber refuses an empty endpoint list and a malformed endpoint with a ZmqError naming it', () => {
  assert.throws(() => new SpikeSubscriber({ endpoints: [], log: silent }), /at least one endpoint, got none/);
  assert.throws(
    () => new SpikeSubscriber({ endpoints: ['tcp//127.0.0.1:1'], log: silent }),
    (error: Error & { code?: string }) => error.code === 'RPNTD_ERR_ZMQ' && /tcp\/\/127.0.0.1:1/.test(error.message),
  );
});
