/**
 * The measuring subscriber: connects to a system's output, stamps CLOCK_MONOTONIC on receipt and keeps one record
 * per message. For kinematics that is receipt − source_sent_ns (publisher send → kinematics received) plus the
 * system's own per-stage stamps; for the relay's forwarded spikes messages it is receipt − sent_ns.
 */
import { Decoder as MsgpackDecoder } from '@msgpack/msgpack';
import * as zmq from 'zeromq';

export interface Received {
  /** Sample number at the end of the bin (kinematics) or of the block (relay). */
  endSample: number;
  seq: number;
  stale: boolean;
  /** Publisher send → received here, µs; NaN when the message carried no source stamp. */
  e2eUs: number;
  stagesUs: Record<string, number>;
}

export class Collector {
  readonly records: Received[] = [];
  readonly #socket: zmq.Subscriber;
  readonly #done: Promise<void>;
  readonly #decoder = new MsgpackDecoder({ useBigInt64: false });

  constructor(endpoint: string, topic: 'kinematics' | 'spikes') {
    const socket = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 });
    this.#socket = socket;
    socket.connect(endpoint);
    socket.subscribe(topic);
    this.#done = (async () => {
      try {
        for await (const frames of socket) {
          const receivedNs = Number(process.hrtime.bigint());
          const body = this.#decoder.decode(frames[1]) as Record<string, unknown>;
          if (topic === 'kinematics') {
            const sent = body.source_sent_ns;
            const stages = { ...((body.latency_us ?? {}) as Record<string, number>) };
            // Delivery: the system's publish stamp -> received here (the second ZeroMQ hop and this subscriber).
            if (typeof body.published_ns === 'number') stages.deliver = (receivedNs - body.published_ns) / 1000;
            this.records.push({
              endSample: Number(body.bin_end),
              seq: Number(body.seq),
              stale: body.stale === true,
              e2eUs: typeof sent === 'number' ? (receivedNs - sent) / 1000 : Number.NaN,
              stagesUs: stages,
            });
          } else {
            const sent = body.sent_ns;
            this.records.push({
              endSample: Number(body.t1),
              seq: Number(body.seq),
              stale: false,
              e2eUs: typeof sent === 'number' ? (receivedNs - sent) / 1000 : Number.NaN,
              stagesUs: {},
            });
          }
        }
      } catch {
        // socket closed
      }
    })();
  }

  async close(): Promise<void> {
    this.#socket.close();
    await this.#done;
  }
}
