import { Observable, share } from 'rxjs';
import { Subscriber } from 'zeromq';

import { monotonicNs } from '../clock';
import { CodecError, ZmqError } from '../errors';
import { createLogger, RateLimitedWarn, type Logger } from '../log';
import { CODEC_ERROR_REASONS, CodecScratch, SPIKES_TOPIC, decodeSpikeMessage, type CodecErrorReason } from './codec';
import type { SpikeBatch } from './spike-batch';

/** Counters read by the metrics module at scrape time; plain numbers so the receive loop never calls prom-client. */
export interface IngestStats {
  /** Messages read from the socket, well-formed or not. */
  messagesReceived: number;
  /** Messages dropped because they broke a protocol rule, in total and by rule. */
  messagesMalformed: number;
  malformedByReason: Record<CodecErrorReason, number>;
  /** Spikes in well-formed messages. */
  spikesReceived: number;
}

export interface SpikeSubscriberOptions {
  /** ZeroMQ endpoints of acquisition publishers (they bind; we connect), e.g. ["tcp://127.0.0.1:5556"]. */
  endpoints: readonly string[];
  /**
   * Messages ZeroMQ may queue before it drops new ones; default 100 000 (100 s of 1 ms messages, a few MB). A stall of
   * the loop (a slow inference, a GC pause, a busy host) must delay spikes, not lose them; a drop beyond this shows up
   * as a seq gap.
   */
  receiveHighWaterMark?: number;
  log?: Logger;
}

function zeroByReason(): Record<CodecErrorReason, number> {
  const counts = {} as Record<CodecErrorReason, number>;
  for (const reason of CODEC_ERROR_REASONS) counts[reason] = 0;
  return counts;
}


/**
 * Subscribes to `spikes` on every endpoint and turns each well-formed message into a SpikeBatch. A malformed
 * message is counted and logged (rate-limited), never an error of the stream: one bad publisher must not stop
 * decoding for the others. The stream errors only when the socket itself fails (ZmqError).
 */
export class SpikeSubscriber {
  readonly stats: IngestStats = {
    messagesReceived: 0,
    messagesMalformed: 0,
    malformedByReason: zeroByReason(),
    spikesReceived: 0,
  };
  readonly endpoints: readonly string[];
  readonly #socket: Subscriber;
  readonly #malformedWarn: RateLimitedWarn;
  /** Each batch is consumed before the next message is read, so one scratch serves the whole receive loop. */
  readonly #scratch = new CodecScratch();
  readonly #batches: Observable<SpikeBatch>;
  #closing = false;
  #loopDone: Promise<void> = Promise.resolve();

  constructor(options: SpikeSubscriberOptions) {
    if (options.endpoints.length === 0) {
      throw new ZmqError('SpikeSubscriber needs at least one endpoint, got none; set ingest.endpoints in the config');
    }
    this.endpoints = [...options.endpoints];
    const log = options.log ?? createLogger('rpntd.ingest');
    this.#malformedWarn = new RateLimitedWarn(log);
    this.#socket = new Subscriber({
      receiveHighWaterMark: options.receiveHighWaterMark ?? 100_000,
      // One message covers a millisecond or so: 64 MiB is far beyond any real probe, and a bigger frame (a bug or an
      // attack) is dropped by ZeroMQ instead of being decoded on the event loop.
      maxMessageSize: 64 * 1024 * 1024,
    });
    for (const endpoint of this.endpoints) {
      try {
        this.#socket.connect(endpoint);
      } catch (error) {
        this.#socket.close();
        throw new ZmqError(
          `cannot connect the spikes subscriber to ${endpoint}: ${(error as Error).message}; ` +
            'endpoints look like tcp://host:port or ipc:///path',
          { cause: error },
        );
      }
    }
    this.#socket.subscribe(SPIKES_TOPIC);
    // One receive loop per socket (zeromq allows one pending receive), started by the first subscriber and shared by
    // all; it is never restarted, so unsubscribing everyone and subscribing again cannot start a second loop.
    this.#batches = new Observable<SpikeBatch>((subscriber) => {
      this.#loopDone = this.#receiveLoop(
        (batch) => subscriber.next(batch),
        (error) => subscriber.error(error),
      ).then(() => subscriber.complete());
    }).pipe(share({ resetOnError: false, resetOnComplete: false, resetOnRefCountZero: false }));
  }

  /** Every well-formed batch, in arrival order; completes after close(). A batch is valid until the next one. */
  batches(): Observable<SpikeBatch> {
    return this.#batches;
  }

  async close(): Promise<void> {
    if (this.#closing) return this.#loopDone;
    this.#closing = true;
    this.#socket.close();
    await this.#loopDone;
  }

  async #receiveLoop(emit: (batch: SpikeBatch) => void, fail: (error: ZmqError) => void): Promise<void> {
    try {
      // The async iterator ends cleanly when the socket is closed.
      for await (const frames of this.#socket) {
        this.stats.messagesReceived++;
        const batch = this.#decode(frames);
        if (batch !== undefined) emit(batch);
      }
    } catch (error) {
      if (this.#closing) return;
      fail(new ZmqError(`spikes subscriber stopped receiving: ${(error as Error).message}`, { cause: error }));
    }
  }

  #decode(frames: Buffer[]): SpikeBatch | undefined {
    try {
      if (frames.length !== 2) {
        throw new CodecError(
          'frames',
          `spikes message must have 2 frames (topic, msgpack body), got ${frames.length}; see docs/PROTOCOL.md`,
        );
      }
      const batch = decodeSpikeMessage(frames[0], frames[1], Number.NaN, this.#scratch);
      // Stamped after the msgpack decode, so the `ingest` stage (sent → decoded) includes it, as documented.
      batch.receivedNs = monotonicNs();
      this.stats.spikesReceived += batch.offsets.length;
      return batch;
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      this.stats.messagesMalformed++;
      this.stats.malformedByReason[error.reason as CodecErrorReason]++;
      this.#malformedWarn.warn({ code: error.code, reason: error.reason }, `dropped malformed spikes message: ${error.message}`);
      return undefined;
    }
  }
}
