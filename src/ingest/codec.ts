import os from 'node:os';

import { Decoder, Encoder } from '@msgpack/msgpack';

import { CodecError } from '../errors';
import type { SpikeBatch } from './spike-batch';

/** The wire version this codec reads and writes (docs/PROTOCOL.md). */
export const SPIKES_PROTOCOL_VERSION = 1;
/** Frame 0 of a spikes message: exactly this, or this followed by `/<source>`. */
export const SPIKES_TOPIC = 'spikes';

/** Every rule a spikes message can break; a closed set because it is a metric label. */
export const CODEC_ERROR_REASONS = ['frames', 'topic', 'msgpack', 'version', 'field', 'length'] as const;
export type CodecErrorReason = (typeof CODEC_ERROR_REASONS)[number];

// The payload arrays are raw little-endian bytes that we view in place; on a big-endian host every count would be
// wrong, so refuse to load there instead of mis-binning silently.
if (os.endianness() !== 'LE') {
  throw new Error(
    `rpntd's spike codec needs a little-endian host (the wire carries little-endian uint32/uint16 arrays that are ` +
      `viewed in place); this host is ${os.endianness()}`,
  );
}

function fail(reason: CodecErrorReason, message: string): never {
  throw new CodecError(reason, message);
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.byteLength} bytes of binary`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  return String(value);
}

function safeUint(body: Record<string, unknown>, key: string, meaning: string): number {
  const value = body[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail('field', `spikes message field "${key}" (${meaning}) must be an unsigned integer below 2^53, got ${describe(value)}`);
  }
  return value;
}

function binaryField(body: Record<string, unknown>, key: string, elementBytes: number, meaning: string): Uint8Array {
  const value = body[key];
  if (!(value instanceof Uint8Array)) {
    fail(
      'field',
      `spikes message field "${key}" must be msgpack bin (${meaning}), got ${describe(value)}; ` +
        `a Python publisher sends bytes, e.g. numpy_array.astype("<u${elementBytes}").tobytes()`,
    );
  }
  if (value.byteLength % elementBytes !== 0) {
    fail(
      'length',
      `spikes message field "${key}" has ${value.byteLength} bytes, not a multiple of ${elementBytes} ` +
        `(${meaning}); check the publisher's dtype`,
    );
  }
  return value;
}

/**
 * Reused, aligned memory for payloads that msgpack left off an element boundary (most of them: a bin payload sits
 * wherever its header ends). A receive loop owns one, so an unaligned message costs a byte copy into memory that
 * is already there, not an allocation (bench/suites/kernels.ts measured the allocation per message). Batches
 * decoded with a scratch are valid until the next decode with the same scratch.
 */
export class CodecScratch {
  #offsets = new Uint32Array(1024);
  #channels = new Uint16Array(1024);

  uint32(bytes: Uint8Array): Uint32Array {
    const n = bytes.byteLength / 4;
    if (this.#offsets.length < n) this.#offsets = new Uint32Array(grow(this.#offsets.length, n));
    new Uint8Array(this.#offsets.buffer, 0, bytes.byteLength).set(bytes);
    return this.#offsets.subarray(0, n);
  }

  uint16(bytes: Uint8Array): Uint16Array {
    const n = bytes.byteLength / 2;
    if (this.#channels.length < n) this.#channels = new Uint16Array(grow(this.#channels.length, n));
    new Uint8Array(this.#channels.buffer, 0, bytes.byteLength).set(bytes);
    return this.#channels.subarray(0, n);
  }
}

function grow(length: number, needed: number): number {
  while (length < needed) length *= 2;
  return length;
}

// Views the bytes in place when they sit on an element boundary of their buffer; otherwise a copy, into the
// caller's scratch when it has one.
function uint32View(bytes: Uint8Array, scratch: CodecScratch | undefined): Uint32Array {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  if (scratch !== undefined) return scratch.uint32(bytes);
  const copy = new Uint32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

function uint16View(bytes: Uint8Array, scratch: CodecScratch | undefined): Uint16Array {
  if (bytes.byteOffset % 2 === 0) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  if (scratch !== undefined) return scratch.uint16(bytes);
  const copy = new Uint16Array(bytes.byteLength / 2);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

// One decoder for the process: it caches map-key strings, which every message repeats.
const decoder = new Decoder();

/**
 * Decodes and validates one `spikes` message (two frames). Throws CodecError with a `reason` from
 * CODEC_ERROR_REASONS and a message naming the field, the value and the fix. The returned arrays are views into
 * `body` when aligned (or into `scratch`, when given, when not), so the batch is only valid while `body` is and
 * until the next decode with the same scratch.
 */
export function decodeSpikeMessage(topic: Buffer, body: Buffer, receivedNs: number, scratch?: CodecScratch): SpikeBatch {
  const topicText = topic.toString('latin1');
  const topicSource =
    topicText === SPIKES_TOPIC
      ? undefined
      : topicText.startsWith(`${SPIKES_TOPIC}/`)
        ? topicText.slice(SPIKES_TOPIC.length + 1)
        : fail('topic', `spikes message topic must be "spikes" or "spikes/<source>", got ${describe(topicText)}`);

  let decoded: unknown;
  try {
    decoded = decoder.decode(body);
  } catch (error) {
    fail('msgpack', `spikes message body (${body.byteLength} bytes) is not one msgpack value: ${(error as Error).message}`);
  }
  if (decoded === null || typeof decoded !== 'object' || Array.isArray(decoded) || decoded instanceof Uint8Array) {
    fail('msgpack', `spikes message body must be a msgpack map, got ${describe(decoded)}`);
  }
  const fields = decoded as Record<string, unknown>;

  if (fields.v !== SPIKES_PROTOCOL_VERSION) {
    fail(
      'version',
      `spikes message field "v" must be ${SPIKES_PROTOCOL_VERSION}, got ${describe(fields.v)}; ` +
        'this rpntd speaks protocol v1 (docs/PROTOCOL.md)',
    );
  }
  const source = fields.source;
  if (typeof source !== 'string' || source.length === 0) {
    fail('field', `spikes message field "source" must be a non-empty string, got ${describe(source)}`);
  }
  if (topicSource !== undefined && topicSource !== source) {
    fail('topic', `spikes message topic names source ${describe(topicSource)} but field "source" is ${describe(source)}`);
  }
  const seq = safeUint(fields, 'seq', 'message counter');
  const rateHz = fields.rate;
  if (typeof rateHz !== 'number' || !Number.isFinite(rateHz) || rateHz <= 0) {
    fail('field', `spikes message field "rate" (sample rate, Hz) must be a positive number, got ${describe(rateHz)}`);
  }
  const t0Samples = safeUint(fields, 't0', 'first sample covered');
  const t1Samples = safeUint(fields, 't1', 'one past the last sample covered');
  if (t1Samples < t0Samples) {
    fail('field', `spikes message has t1 (${t1Samples}) < t0 (${t0Samples}); t1 must be >= t0`);
  }
  const offsetBytes = binaryField(fields, 'offsets', 4, 'uint32 little-endian sample offsets from t0');
  const channelBytes = binaryField(fields, 'channels', 2, 'uint16 little-endian channel numbers');
  if (offsetBytes.byteLength / 4 !== channelBytes.byteLength / 2) {
    fail(
      'length',
      `spikes message has ${offsetBytes.byteLength / 4} offsets but ${channelBytes.byteLength / 2} channels; ` +
        'every spike needs one of each',
    );
  }
  // CLOCK_MONOTONIC passes 2^53 ns after 104 days of uptime: a larger stamp is kept as the nearest double (a few ns
  // off, harmless for latency), not refused. A stamp that is no number at all only costs the latency figure.
  const sentNsField = fields.sent_ns;
  const sentNs = typeof sentNsField === 'number' && Number.isFinite(sentNsField) && sentNsField >= 0 ? sentNsField : Number.NaN;

  return {
    source,
    seq,
    rateHz,
    t0Samples,
    t1Samples,
    offsets: uint32View(offsetBytes, scratch),
    channels: uint16View(channelBytes, scratch),
    sentNs,
    receivedNs,
  };
}

/** What a publisher puts in one spikes message: a SpikeBatch without our receive stamp, sent_ns optional. */
export type SpikeMessageFields = Omit<SpikeBatch, 'receivedNs' | 'sentNs'> & {
  /** CLOCK_MONOTONIC ns at send; omitted from the message when undefined or NaN. */
  sentNs?: number;
};

export interface EncodeSpikeOptions {
  /** Append `/<source>` to the topic so subscribers can select one source by prefix. Default false. */
  topicWithSource?: boolean;
}

const encoder = new Encoder();

function bytesOf(array: Uint32Array | Uint16Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Encodes one spikes message as its two frames [topic, body]. For publishers: the replay tool and tests. */
export function encodeSpikeMessage(fields: SpikeMessageFields, options: EncodeSpikeOptions = {}): [Buffer, Buffer] {
  const body: Record<string, unknown> = {
    v: SPIKES_PROTOCOL_VERSION,
    source: fields.source,
    seq: fields.seq,
    rate: fields.rateHz,
    t0: fields.t0Samples,
    t1: fields.t1Samples,
    offsets: bytesOf(fields.offsets),
    channels: bytesOf(fields.channels),
  };
  if (fields.sentNs !== undefined && !Number.isNaN(fields.sentNs)) body.sent_ns = fields.sentNs;
  // encode() returns a fresh copy of the encoder's scratch buffer, so wrapping it without another copy is safe.
  const encoded = encoder.encode(body);
  const topic = options.topicWithSource ? `${SPIKES_TOPIC}/${fields.source}` : SPIKES_TOPIC;
  return [Buffer.from(topic, 'latin1'), Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength)];
}
