import assert from 'node:assert/strict';
import test from 'node:test';
import { encode } from '@msgpack/msgpack';
import * as zmq from 'zeromq';
import type { Kinematics } from '../../src/decode';
import { CodecError, ZmqError } from '../../src/errors';
import {
  decodeKinematicsMessage,
  encodeKinematicsMessage,
  KinematicsEncoder,
  KinematicsPublisher,
} from '../../src/publish';

const OPTIONS = { model: 'linear-fixture@0.0.1', names: ['vel_x', 'vel_y'], units: ['m/s', 'm/s'] };

function kinematics(overrides: Partial<Kinematics> = {}): Kinematics {
  return {
    binIndex: 41,
    binEndSample: 63_000,
    values: new Float32Array([0.25, -1.5]),
    sourceSentNs: 1_000_000,
    receivedNs: 1_250_000, // ingest 250 µs
    closedNs: 1_300_000, // bin 50 µs
    inferStartNs: 1_320_000, // window 20 µs
    inferEndNs: 2_820_000, // infer 1500 µs
    stale: false,
    ...overrides,
  };
}

test('encode → decode round trip carries every field and the latency breakdown', () => {
  const encoder = new KinematicsEncoder(OPTIONS);
  const publishedNs = 2_830_500_000_000; // > 2^32, as real CLOCK_MONOTONIC stamps are
  const k = kinematics({ inferEndNs: publishedNs - 10_500, inferStartNs: publishedNs - 1_510_500 });
  const frames = encodeKinematicsMessage(encoder, k, true, 7, publishedNs);
  assert.equal(Buffer.from(frames[0]).toString(), 'kinematics');
  const m = decodeKinematicsMessage(frames);
  assert.equal(m.v, 1);
  assert.equal(m.seq, 7);
  assert.equal(m.bin_end, 63_000);
  assert.deepEqual(m.values, [0.25, -1.5]);
  assert.deepEqual(m.names, ['vel_x', 'vel_y']);
  assert.deepEqual(m.units, ['m/s', 'm/s']);
  assert.equal(m.model, 'linear-fixture@0.0.1');
  assert.equal(m.stale, true);
  assert.equal(m.source_sent_ns, 1_000_000);
  assert.equal(m.published_ns, publishedNs);
  const l = m.latency_us;
  assert.equal(l.ingest, 250);
  assert.equal(l.bin, 50);
  assert.equal(l.infer, 1500);
  assert.equal(l.publish, 10.5);
  assert.equal(l.total, (publishedNs - 1_250_000) / 1000);
  assert.equal(l.e2e, (publishedNs - 1_000_000) / 1000);
  assert.equal(l.bin + l.window + l.infer + l.publish, l.total);
});

test('without a source sent_ns the message omits source_sent_ns, ingest and e2e', () => {
  const encoder = new KinematicsEncoder(OPTIONS);
  encoder.encode(kinematics(), false, 0, 3_000_000); // a message with the stamp first: the reused objects must not leak it
  const m = decodeKinematicsMessage(encoder.encode(kinematics({ sourceSentNs: NaN }), false, 1, 3_000_000));
  assert.equal('source_sent_ns' in m, false);
  assert.equal('ingest' in m.latency_us, false);
  assert.equal('e2e' in m.latency_us, false);
  assert.equal(m.latency_us.total, 1750);
  assert.deepEqual(Object.keys(m), ['v', 'seq', 'bin_end', 'values', 'names', 'units', 'model', 'stale', 'latency_us', 'published_ns']);
});

test('each encoded body is its own copy although the encoder is reused', () => {
  const encoder = new KinematicsEncoder(OPTIONS);
  const a = encoder.encode(kinematics({ values: new Float32Array([1, 2]) }), false, 0, 3_000_000);
  const b = encoder.encode(kinematics({ values: new Float32Array([3, 4]) }), false, 1, 3_000_000);
  assert.deepEqual(decodeKinematicsMessage(a).values, [1, 2]);
  assert.deepEqual(decodeKinematicsMessage(b).values, [3, 4]);
});

test('malformed messages are CodecErrors with a reason', () => {
  const topic = Buffer.from('kinematics');
  const reason = (frames: Uint8Array[]) => {
    try {
      decodeKinematicsMessage(frames);
    } catch (error) {
      assert.ok(error instanceof CodecError);
      return error.reason;
    }
    return 'none';
  };
  assert.equal(reason([topic]), 'frames');
  assert.equal(reason([Buffer.from('spikes'), encode({ v: 1 })]), 'frames');
  assert.equal(reason([topic, new Uint8Array([0xc1])]), 'msgpack');
  assert.equal(reason([topic, encode({ v: 2 })]), 'version');
  assert.equal(reason([topic, encode({ v: 1, seq: 'x' })]), 'field');
});

test('PUB → SUB over loopback delivers the messages in order', async () => {
  const publisher = await KinematicsPublisher.bind({ ...OPTIONS, endpoint: 'tcp://127.0.0.1:*' });
  assert.match(publisher.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const subscriber = new zmq.Subscriber({ receiveTimeout: 5000 });
  subscriber.connect(publisher.endpoint);
  subscriber.subscribe('kinematics');
  try {
    // PUB drops everything sent before the subscription has propagated (the "slow joiner"); send until one arrives.
    // One receive stays outstanding across attempts: zeromq allows a single receive in progress per socket.
    const receiving = subscriber.receive();
    let first: Buffer[] | undefined;
    for (let attempt = 0; attempt < 100 && first === undefined; attempt++) {
      publisher.publish(kinematics({ binIndex: attempt }), false);
      first = await Promise.race([
        receiving,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20)),
      ]);
    }
    assert.ok(first !== undefined, 'no message arrived over loopback');
    const firstSeq = decodeKinematicsMessage(first).seq;
    const published = publisher.publish(kinematics({ values: new Float32Array([9, 8]) }), true);
    assert.ok(Number.isFinite(published));
    // Later messages arrive in seq order; read until the one just published.
    let last = decodeKinematicsMessage(await subscriber.receive());
    while (last.values[0] !== 9) last = decodeKinematicsMessage(await subscriber.receive());
    assert.ok(last.seq > firstSeq);
    assert.equal(last.stale, true);
    assert.equal(last.published_ns, published);
    assert.equal(publisher.stats.dropped, 0);
  } finally {
    subscriber.close();
    publisher.close();
  }
});

test('binding an address in use is a ZmqError naming the endpoint, the errno and the fix', async () => {
  const first = await KinematicsPublisher.bind({ ...OPTIONS, endpoint: 'tcp://127.0.0.1:*' });
  try {
    await assert.rejects(
      KinematicsPublisher.bind({ ...OPTIONS, endpoint: first.endpoint }),
      (error: unknown) =>
        error instanceof ZmqError &&
        error.code === 'RPNTD_ERR_ZMQ' &&
        error.message.includes(`bind failed for ${first.endpoint}`) &&
        /\(EADDRINUSE, errno \d+\); another process .* publish\.endpoint or --output/.test(error.message),
    );
  } finally {
    first.close();
  }
});
