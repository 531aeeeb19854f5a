import { Decoder as MsgpackDecoder, Encoder as MsgpackEncoder } from '@msgpack/msgpack';
import { createStageLatencies, fillStageLatencies, type Kinematics } from '../decode';
import { CodecError } from '../errors';

/**
 * The `kinematics` message, version 1 (docs/PROTOCOL.md): two ZeroMQ frames, the topic and a msgpack map with these
 * keys. `source_sent_ns` and `latency_us.ingest`/`latency_us.e2e` are present only when the acquisition publisher
 * stamped `sent_ns` on the message that closed the bin: a missing key means "not measured", never a fake zero, and a
 * consumer tests for the key (Python: `"e2e" in msg["latency_us"]`).
 */
export interface KinematicsMessage {
  v: 1;
  /** Per-publisher counter, +1 per message, from 0; a jump means the subscriber missed messages (PUB drops). */
  seq: number;
  /** Sample number at the end of the newest bin of the decoded window. */
  bin_end: number;
  /** The model's outputs at that bin, one per name. */
  values: number[];
  names: string[];
  units: string[];
  /** "<card name>@<card version>". */
  model: string;
  /** A newer bin had closed when this was published (see Kinematics.stale). */
  stale: boolean;
  /** Microseconds per stage, defined in src/decode/latency.ts. */
  latency_us: LatencyUs;
  /** The sent_ns of the message that closed the bin (publisher's CLOCK_MONOTONIC, ns). */
  source_sent_ns?: number;
  /** Our CLOCK_MONOTONIC at publish, ns (process.hrtime.bigint()), stamped just before encoding. */
  published_ns: number;
}

export interface LatencyUs {
  ingest?: number;
  bin: number;
  window: number;
  infer: number;
  publish: number;
  total: number;
  e2e?: number;
}

export interface KinematicsEncoderOptions {
  /** First frame, default "kinematics". */
  topic?: string;
  /** "<name>@<version>" of the model card. */
  model: string;
  /** Output names and units from the card, D each; sent with every message so a consumer needs no side channel. */
  names: readonly string[];
  units: readonly string[];
}

/** Two frames ready for Socket.send. */
export type KinematicsFrames = [topic: Uint8Array, body: Uint8Array];

/**
 * Holds everything that does not change between messages, so encoding one allocates only the msgpack output: one
 * msgpack Encoder (its working buffer is reused), the topic frame, the names/units arrays, and two message objects
 * (with and without the source stamp, so no key is ever deleted) whose fields are overwritten per message.
 */
export class KinematicsEncoder {
  readonly topic: string;
  readonly outputCount: number;
  readonly #topicFrame: Uint8Array;
  readonly #msgpack = new MsgpackEncoder({ initialBufferSize: 512 });
  readonly #values: number[];
  readonly #latenciesNs = createStageLatencies();
  readonly #withSource: Required<KinematicsMessage> & { latency_us: Required<LatencyUs> };
  readonly #withoutSource: KinematicsMessage;

  constructor(options: KinematicsEncoderOptions) {
    if (options.names.length !== options.units.length || options.names.length === 0) {
      throw new TypeError(
        `KinematicsEncoder needs one unit per output name, got ${options.names.length} names and ` +
          `${options.units.length} units`,
      );
    }
    this.topic = options.topic ?? 'kinematics';
    this.outputCount = options.names.length;
    this.#topicFrame = Buffer.from(this.topic, 'utf8');
    this.#values = new Array<number>(this.outputCount).fill(0);
    const names = [...options.names];
    const units = [...options.units];
    // Key order is the wire order; both objects list the common keys the same way.
    this.#withSource = {
      v: 1, seq: 0, bin_end: 0, values: this.#values, names, units, model: options.model, stale: false,
      latency_us: { ingest: 0, bin: 0, window: 0, infer: 0, publish: 0, total: 0, e2e: 0 },
      source_sent_ns: 0, published_ns: 0,
    };
    this.#withoutSource = {
      v: 1, seq: 0, bin_end: 0, values: this.#values, names, units, model: options.model, stale: false,
      latency_us: { bin: 0, window: 0, infer: 0, publish: 0, total: 0 },
      published_ns: 0,
    };
  }

  /** Encodes one output. The returned body is a fresh copy (ZeroMQ may hold it after send returns). */
  encode(k: Kinematics, stale: boolean, seq: number, publishedNs: number): KinematicsFrames {
    if (k.values.length !== this.outputCount) {
      throw new TypeError(`Kinematics has ${k.values.length} values, the encoder was built for ${this.outputCount}`);
    }
    for (let i = 0; i < this.outputCount; i++) this.#values[i] = k.values[i]!;
    const ns = fillStageLatencies(k, publishedNs, this.#latenciesNs);
    const hasSource = Number.isFinite(k.sourceSentNs);
    const message = hasSource ? this.#withSource : this.#withoutSource;
    message.seq = seq;
    message.bin_end = k.binEndSample;
    message.stale = stale;
    message.published_ns = publishedNs;
    const latency = message.latency_us;
    latency.bin = ns.bin / 1000;
    latency.window = ns.window / 1000;
    latency.infer = ns.infer / 1000;
    latency.publish = ns.publish / 1000;
    latency.total = ns.total / 1000;
    if (hasSource) {
      latency.ingest = ns.ingest / 1000;
      latency.e2e = ns.e2e / 1000;
      this.#withSource.source_sent_ns = k.sourceSentNs;
    }
    return [this.#topicFrame, this.#msgpack.encode(message)];
  }
}

/** Encodes one output as the two frames of a `kinematics` message (see KinematicsEncoder). */
export function encodeKinematicsMessage(
  encoder: KinematicsEncoder,
  k: Kinematics,
  stale: boolean,
  seq: number,
  publishedNs: number,
): KinematicsFrames {
  return encoder.encode(k, stale, seq, publishedNs);
}

const msgpackDecoder = new MsgpackDecoder();

/**
 * Decodes and checks a `kinematics` message (for controllers written in TypeScript, the tests and tools). Throws
 * CodecError with a reason (frames, msgpack, version, field) naming what is wrong.
 */
export function decodeKinematicsMessage(frames: readonly Uint8Array[], expectedTopic = 'kinematics'): KinematicsMessage {
  if (frames.length !== 2) {
    throw new CodecError('frames', `a kinematics message has 2 frames (topic, body), got ${frames.length}`);
  }
  const topic = Buffer.from(frames[0]!).toString('utf8');
  if (topic !== expectedTopic) {
    throw new CodecError('frames', `topic frame is "${topic}", expected "${expectedTopic}"`);
  }
  let body: unknown;
  try {
    body = msgpackDecoder.decode(frames[1]!);
  } catch (error) {
    throw new CodecError('msgpack', `kinematics body is not valid msgpack: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CodecError('msgpack', 'kinematics body must be a msgpack map');
  }
  const m = body as Record<string, unknown>;
  if (m.v !== 1) throw new CodecError('version', `kinematics message version ${String(m.v)} is not supported (expected 1)`);
  const requireNumber = (value: unknown, field: string): number => {
    if (typeof value !== 'number') throw new CodecError('field', `kinematics field ${field} must be a number, got ${typeof value}`);
    return value;
  };
  const requireStrings = (value: unknown, field: string): string[] => {
    if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) {
      throw new CodecError('field', `kinematics field ${field} must be an array of strings`);
    }
    return value as string[];
  };
  requireNumber(m.seq, 'seq');
  requireNumber(m.bin_end, 'bin_end');
  requireNumber(m.published_ns, 'published_ns');
  if (!Array.isArray(m.values) || !m.values.every((x) => typeof x === 'number')) {
    throw new CodecError('field', 'kinematics field values must be an array of numbers');
  }
  const names = requireStrings(m.names, 'names');
  requireStrings(m.units, 'units');
  if (names.length !== m.values.length) {
    throw new CodecError('field', `kinematics has ${m.values.length} values but ${names.length} names`);
  }
  if (typeof m.model !== 'string') throw new CodecError('field', 'kinematics field model must be a string');
  if (typeof m.stale !== 'boolean') throw new CodecError('field', 'kinematics field stale must be a boolean');
  const latency = m.latency_us as Record<string, unknown> | null;
  if (latency === null || typeof latency !== 'object') {
    throw new CodecError('field', 'kinematics field latency_us must be a map');
  }
  for (const key of ['bin', 'window', 'infer', 'publish', 'total']) requireNumber(latency[key], `latency_us.${key}`);
  if (m.source_sent_ns !== undefined && m.source_sent_ns !== null) requireNumber(m.source_sent_ns, 'source_sent_ns');
  return m as unknown as KinematicsMessage;
}
