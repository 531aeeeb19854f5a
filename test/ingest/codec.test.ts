import assert from 'node:assert/strict';
import test from 'node:test';

import { encode } from '@msgpack/msgpack';

import { CodecError } from '../../src/errors';
import { CODEC_ERROR_REASONS, decodeSpikeMessage, CodecScratch, encodeSpikeMessage, type SpikeMessageFields } from '../../src/ingest';

const fields: SpikeMessageFields = {
  source: 'utah-a',
  seq: 41,
  rateHz: 30000,
  t0Samples: 2 ** 40 + 3, // beyond uint32: msgpack uint64
  t1Samples: 2 ** 40 + 33,
  offsets: Uint32Array.of(0, 7, 29, 4_000_000_000),
  channels: Uint16Array.of(3, 0, 95, 65535),
  sentNs: 123_456_789_012,
};

const topic = Buffer.from('spikes');

/** A raw wire body from a plain map, for malformed cases the encoder would never produce. */
function body(overrides: Record<string, unknown>, drop: string[] = []): Buffer {
  const map: Record<string, unknown> = {
    v: 1,
    source: 'utah-a',
    seq: 1,
    rate: 30000,
    t0: 100,
    t1: 130,
    offsets: new Uint8Array(Uint32Array.of(1, 2).buffer),
    channels: new Uint8Array(Uint16Array.of(5, 6).buffer),
    ...overrides,
  };
  for (const key of drop) delete map[key];
  return Buffer.from(encode(map));
}

function assertCodecError(run: () => unknown, reason: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CodecError, String(error));
    assert.equal(error.reason, reason);
    assert.equal(error.code, 'RPNTD_ERR_CODEC');
    assert.match(error.message, message);
    return true;
  });
}

test('encode then decode gives back every field', () => {
  const [topicFrame, bodyFrame] = encodeSpikeMessage(fields);
  assert.equal(topicFrame.toString(), 'spikes');
  const batch = decodeSpikeMessage(topicFrame, bodyFrame, 555);
  assert.equal(batch.source, 'utah-a');
  assert.equal(batch.seq, 41);
  assert.equal(batch.rateHz, 30000);
  assert.equal(batch.t0Samples, 2 ** 40 + 3);
  assert.equal(batch.t1Samples, 2 ** 40 + 33);
  assert.deepEqual(batch.offsets, fields.offsets);
  assert.deepEqual(batch.channels, fields.channels);
  assert.equal(batch.sentNs, 123_456_789_012);
  assert.equal(batch.receivedNs, 555);
});

test('topic may carry the source; sent_ns is optional (NaN when absent); an empty message is valid', () => {
  const [topicFrame, bodyFrame] = encodeSpikeMessage(
    { ...fields, offsets: new Uint32Array(0), channels: new Uint16Array(0), sentNs: undefined },
    { topicWithSource: true },
  );
  assert.equal(topicFrame.toString(), 'spikes/utah-a');
  const batch = decodeSpikeMessage(topicFrame, bodyFrame, 0);
  assert.equal(batch.offsets.length, 0);
  assert.ok(Number.isNaN(batch.sentNs));
  assert.equal(decodeSpikeMessage(topic, body({ sent_ns: null }), 0).sentNs, Number.NaN);
  // A stamp that is not a number costs only the latency figure: the spikes are kept.
  const garbled = decodeSpikeMessage(topic, body({ sent_ns: 'now' }), 0);
  assert.equal(garbled.sentNs, Number.NaN);
  assert.deepEqual([...garbled.offsets], [1, 2]);
  // CLOCK_MONOTONIC after 105 days of uptime is past 2^53 ns: kept as the nearest double, not refused.
  const uptime105DaysNs = 105 * 86400 * 1e9;
  assert.ok(uptime105DaysNs > Number.MAX_SAFE_INTEGER);
  assert.equal(decodeSpikeMessage(topic, body({ sent_ns: uptime105DaysNs }), 0).sentNs, uptime105DaysNs);
});

test('payloads are viewed in place when aligned and copied when not, with the same values', () => {
  const [, bodyFrame] = encodeSpikeMessage(fields);
  let viewed = 0;
  let copied = 0;
  for (let shift = 0; shift < 4; shift++) {
    // The same bytes placed at each offset of a fresh buffer, as a received ZeroMQ frame might be.
    const backing = new ArrayBuffer(bodyFrame.length + 8);
    const shifted = Buffer.from(backing, shift, bodyFrame.length);
    bodyFrame.copy(shifted);
    const batch = decodeSpikeMessage(topic, shifted, 0);
    assert.deepEqual(batch.offsets, fields.offsets, `shift ${shift}`);
    assert.deepEqual(batch.channels, fields.channels, `shift ${shift}`);
    const inPlace = batch.offsets.buffer === backing;
    if (inPlace) {
      viewed++;
      assert.equal(batch.offsets.byteOffset % 4, 0);
    }
    else {
      copied++;
      assert.equal(batch.offsets.byteOffset, 0, 'a copy owns its own buffer');
    }
  }
  // Exactly one of four shifts puts the uint32 payload on a 4-byte boundary.
  assert.equal(viewed, 1);
  assert.equal(copied, 3);
});

test('every malformed case throws CodecError with its reason and a message naming field, value and fix', () => {
  const cases: Array<[string, Buffer, Buffer, RegExp]> = [
    ['topic', Buffer.from('spikez'), body({}), /topic must be "spikes" or "spikes\/<source>", got "spikez"/],
    ['topic', Buffer.from('spikes/utah-b'), body({}), /topic names source "utah-b" but field "source" is "utah-a"/],
    ['msgpack', topic, Buffer.from([0xc1]), /not one msgpack value/],
    ['msgpack', topic, Buffer.concat([body({}), Buffer.from([0x00])]), /not one msgpack value/],
    ['msgpack', topic, Buffer.from(encode([1, 2])), /must be a msgpack map, got an array of 2/],
    ['version', topic, body({ v: 2 }), /field "v" must be 1, got 2.*protocol v1/],
    ['version', topic, body({}, ['v']), /field "v" must be 1, got undefined/],
    ['field', topic, body({ source: '' }), /field "source" must be a non-empty string, got ""/],
    ['field', topic, body({ seq: -1 }), /field "seq" \(message counter\) must be an unsigned integer below 2\^53, got -1/],
    ['field', topic, body({ rate: 0 }), /field "rate" \(sample rate, Hz\) must be a positive number, got 0/],
    ['field', topic, body({ t0: 1.5 }), /field "t0" .* got 1.5/],
    ['field', topic, body({}, ['t1']), /field "t1" .* got undefined/],
    ['field', topic, body({ t0: 200, t1: 100 }), /t1 \(100\) < t0 \(200\); t1 must be >= t0/],
    ['field', topic, body({ offsets: [1, 2] }), /field "offsets" must be msgpack bin .* got an array of 2; .*tobytes/],
    ['length', topic, body({ offsets: new Uint8Array(6) }), /field "offsets" has 6 bytes, not a multiple of 4/],
    ['length', topic, body({ channels: new Uint8Array(3) }), /field "channels" has 3 bytes, not a multiple of 2/],
    ['length', topic, body({ channels: new Uint8Array(6) }), /has 2 offsets but 3 channels/],
  ];
  const seenReasons = new Set<string>();
  for (const [reason, topicFrame, bodyFrame, message] of cases) {
    assertCodecError(() => decodeSpikeMessage(topicFrame, bodyFrame, 0), reason, message);
    seenReasons.add(reason);
  }
  // 'frames' is the subscriber's check (test/ingest/spike-subscriber.test.ts); every other reason is covered here.
  assert.deepEqual([...seenReasons].sort(), CODEC_ERROR_REASONS.filter((r) => r !== 'frames').sort());
});

test('unknown extra fields are ignored, so v1 can grow optional fields', () => {
  const batch = decodeSpikeMessage(topic, body({ probe: 'imec0', future: [1, 2, 3] }), 0);
  assert.deepEqual([...batch.offsets], [1, 2]);
  assert.deepEqual([...batch.channels], [5, 6]);
});

test('with a scratch, unaligned payloads are copied into the same reused memory, never a new allocation', () => {
  const scratch = new CodecScratch();
  const [, bodyFrame] = encodeSpikeMessage(fields);
  const buffersSeen = new Set<ArrayBufferLike>();
  for (let shift = 0; shift < 4; shift++) {
    const backing = new ArrayBuffer(bodyFrame.length + 8);
    const shifted = Buffer.from(backing, shift, bodyFrame.length);
    bodyFrame.copy(shifted);
    const batch = decodeSpikeMessage(topic, shifted, 0, scratch);
    assert.deepEqual([...batch.offsets], [...fields.offsets], `shift ${shift}`);
    assert.deepEqual([...batch.channels], [...fields.channels], `shift ${shift}`);
    if (batch.offsets.buffer !== backing) buffersSeen.add(batch.offsets.buffer);
  }
  assert.equal(buffersSeen.size, 1, 'the three unaligned placements share one scratch buffer');
  // A payload larger than the scratch grows it once and still decodes exactly.
  const many = 5000;
  const big = { ...fields, offsets: Uint32Array.from({ length: many }, (_, i) => i), channels: Uint16Array.from({ length: many }, (_, i) => i % 7) };
  const [, bigFrame] = encodeSpikeMessage(big);
  const backing = new ArrayBuffer(bigFrame.length + 8);
  const shifted = Buffer.from(backing, 1, bigFrame.length);
  bigFrame.copy(shifted);
  const batch = decodeSpikeMessage(topic, shifted, 0, scratch);
  assert.deepEqual([...batch.offsets], [...big.offsets]);
  assert.deepEqual([...batch.channels], [...big.channels]);
});
