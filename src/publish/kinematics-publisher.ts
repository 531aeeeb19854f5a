import * as zmq from 'zeromq';
import { monotonicNs } from '../clock';
import type { Kinematics } from '../decode';
import { ZmqError } from '../errors';
import { RateLimitedWarn, type Logger } from '../log';
import { KinematicsEncoder, type KinematicsEncoderOptions } from './kinematics-codec';

export interface KinematicsPublisherOptions extends KinematicsEncoderOptions {
  /** Where the PUB socket binds, e.g. tcp://127.0.0.1:5560; tcp://127.0.0.1:* picks a free port (see `endpoint`). */
  endpoint: string;
  /**
   * Messages queued per subscriber before PUB drops new ones for it (ZMQ_SNDHWM). Default 20: about one second of
   * outputs at 50 ms bins. A controller that stalls longer gets a gap in `seq` rather than a burst of old commands
   * when it recovers, which is what a closed loop wants.
   */
  sendHighWaterMark?: number;
  log?: Logger;
}

export interface KinematicsPublisherStats {
  /** Messages handed to ZeroMQ. PUB may still drop them for a slow subscriber; that shows as a gap in seq. */
  published: number;
  /** Messages not sent because the socket refused them (busy or error). */
  dropped: number;
}

/**
 * The ZeroMQ PUB socket that sends `kinematics` messages to controllers. publish() never waits: PUB with a send
 * timeout of 0 either queues the message in ZeroMQ's per-subscriber queue at once or drops it (a subscriber over its
 * high-water mark), so a slow or absent controller cannot stall decoding.
 */
export class KinematicsPublisher {
  /** The endpoint actually bound (the resolved port when the option said *). */
  readonly endpoint: string;
  readonly stats: KinematicsPublisherStats = { published: 0, dropped: 0 };
  readonly #socket: zmq.Publisher;
  readonly #encoder: KinematicsEncoder;
  readonly #warn: RateLimitedWarn | undefined;
  #seq = 0;

  private constructor(socket: zmq.Publisher, encoder: KinematicsEncoder, endpoint: string, log: Logger | undefined) {
    this.#socket = socket;
    this.#encoder = encoder;
    this.endpoint = endpoint;
    this.#warn = log !== undefined ? new RateLimitedWarn(log) : undefined;
  }

  /** Creates the socket and binds it; a bind failure is a ZmqError naming the endpoint, the errno and the fix. */
  static async bind(options: KinematicsPublisherOptions): Promise<KinematicsPublisher> {
    const encoder = new KinematicsEncoder(options);
    const socket = new zmq.Publisher({
      sendHighWaterMark: options.sendHighWaterMark ?? 20,
      // 0: send takes ZeroMQ's immediate path and never leaves a send pending (pending sends make the next one EBUSY).
      sendTimeout: 0,
      // Unsent kinematics are worthless after shutdown; do not hold the process open for them.
      linger: 0,
    });
    try {
      await socket.bind(options.endpoint);
    } catch (error) {
      socket.close();
      throw bindError(options.endpoint, error);
    }
    const publisher = new KinematicsPublisher(socket, encoder, socket.lastEndpoint ?? options.endpoint, options.log);
    options.log?.info({ endpoint: publisher.endpoint, topic: encoder.topic }, 'kinematics publisher bound');
    return publisher;
  }

  /**
   * Encodes and sends one output; returns the published_ns stamp it carries (for the latency histograms), or NaN if
   * the message was dropped. Never throws for a send problem: it counts it and logs at most once a second.
   */
  publish(k: Kinematics, stale: boolean): number {
    const publishedNs = monotonicNs();
    const frames = this.#encoder.encode(k, stale, this.#seq, publishedNs);
    this.#seq++;
    try {
      // Counted when ZeroMQ has taken the message, so a send that fails later is dropped, not also published.
      this.#socket.send(frames).then(this.#onSent, this.#onSendFailed);
    } catch (error) {
      this.#onSendFailed(error);
      return NaN;
    }
    return publishedNs;
  }

  /** Closes the socket, giving messages still queued (the last bin's output at shutdown) 100 ms to leave. */
  close(): void {
    if (this.#socket.closed) return;
    this.#socket.linger = 100;
    this.#socket.close();
  }

  readonly #onSent = (): void => {
    this.stats.published++;
  };

  readonly #onSendFailed = (error: unknown): void => {
    this.stats.dropped++;
    const e = error as { code?: string; message?: string };
    this.#warn?.warn({ endpoint: this.endpoint, code: e.code }, `kinematics send failed: ${e.message ?? String(error)}`);
  };
}

function bindError(endpoint: string, error: unknown): ZmqError {
  const e = error as { code?: string; errno?: number; message?: string };
  const code = e.code ?? 'unknown';
  const errno = e.errno !== undefined ? `, errno ${e.errno}` : '';
  const fixes: Record<string, string> = {
    EADDRINUSE: 'another process (perhaps another rpntd) holds this address: stop it, or choose a free port with publish.endpoint or --output',
    EADDRNOTAVAIL: 'the address is not one of this host\'s interfaces: use 127.0.0.1, 0.0.0.0 or a local address',
    ENODEV: 'the host part is not a local interface or valid address: use 127.0.0.1, 0.0.0.0 or a local address',
    EACCES: 'ports below 1024 need privileges: choose a port ≥ 1024',
    EINVAL: 'the endpoint is malformed: write it like tcp://127.0.0.1:5560 or ipc:///tmp/rpntd-kinematics',
    EPROTONOSUPPORT: 'the transport is not supported: use tcp:// or ipc://',
  };
  const fix = fixes[code] ?? 'check publish.endpoint (or --output)';
  return new ZmqError(
    `bind failed for ${endpoint}: ${e.message ?? 'unknown error'} (${code}${errno}); ${fix}`,
    { cause: error },
  );
}
