import { Observable, type OperatorFunction, type Subscriber } from 'rxjs';
import { monotonicNs } from '../clock';
import type { DecodeInput, Kinematics, WindowDecoder } from './types';

/**
 * Called when a window is dropped because a newer one replaced it while an inference ran
 * (rpntd_windows_skipped_total). `count` is always 1; the argument keeps the call cheap to sum.
 */
export type SkippedWindowsListener = (count: number) => void;
/** Called when an inference throws; decoding carries on with the next window. */
export type DecodeFailureListener = (error: unknown, binIndex: number) => void;

/**
 * Decodes closed bins with at most one inference in flight. While one runs, arriving windows are not queued: only
 * the newest is remembered and decoded as soon as the running one finishes; every window it replaces is reported to
 * `onSkipped`. Memory is bounded by one pending input whatever the input rate.
 *
 * Each output carries the bin of the window it decoded, not of the newest bin: the bin's stamps are copied when its
 * inference starts (the window stage may reuse the input object and its memory for later bins), and the decoder reads
 * the window synchronously in decode() (WindowDecoder contract). `stale` is true when a newer bin arrived while the
 * inference ran, i.e. the output is older than the newest closed bin when it is emitted (= published).
 *
 * When the source completes, a pending window is still decoded, then the output completes. A decoder failure is
 * reported to `onFailed` (if given) and does not end the stream: one bad bin must not stop a closed loop.
 */
export function decodeLatest(
  decoder: WindowDecoder,
  onSkipped: SkippedWindowsListener,
  onFailed?: DecodeFailureListener,
): OperatorFunction<DecodeInput, Kinematics> {
  return (source) =>
    new Observable<Kinematics>((subscriber) => {
      const runner = new LatestWindowRunner(decoder, subscriber, onSkipped, onFailed);
      const subscription = source.subscribe({
        next: runner.offer,
        error: (error: unknown) => subscriber.error(error),
        complete: runner.sourceComplete,
      });
      return () => {
        runner.closed = true;
        subscription.unsubscribe();
      };
    });
}

/** The state of one subscription of decodeLatest. Handlers are bound once; nothing is allocated per bin but the output. */
class LatestWindowRunner {
  closed = false;
  #inFlight = false;
  #pending: DecodeInput | undefined = undefined;
  #sourceDone = false;
  #newestBinIndex = -Infinity;
  // Stamps of the bin being decoded, copied at start (only one is ever in flight, so plain fields suffice).
  #binIndex = 0;
  #binEndSample = 0;
  #sourceSentNs = NaN;
  #receivedNs = NaN;
  #closedNs = NaN;
  #inferStartNs = NaN;

  constructor(
    private readonly decoder: WindowDecoder,
    private readonly subscriber: Subscriber<Kinematics>,
    private readonly onSkipped: SkippedWindowsListener,
    private readonly onFailed: DecodeFailureListener | undefined,
  ) {}

  readonly offer = (input: DecodeInput): void => {
    if (input.bin.index > this.#newestBinIndex) this.#newestBinIndex = input.bin.index;
    if (!this.#inFlight) {
      this.#start(input);
      return;
    }
    if (this.#pending !== undefined) this.onSkipped(1);
    this.#pending = input;
  };

  readonly sourceComplete = (): void => {
    this.#sourceDone = true;
    if (!this.#inFlight) this.subscriber.complete();
  };

  #start(input: DecodeInput): void {
    const bin = input.bin;
    this.#binIndex = bin.index;
    this.#binEndSample = bin.endSample;
    this.#sourceSentNs = bin.sourceSentNs;
    this.#receivedNs = bin.receivedNs;
    this.#closedNs = bin.closedNs;
    this.#inFlight = true;
    this.#inferStartNs = monotonicNs();
    let result: Promise<Float32Array>;
    try {
      result = this.decoder.decode(input.window);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(this.#onDecoded, this.#onFailed);
  }

  readonly #onDecoded = (values: Float32Array): void => {
    const inferEndNs = monotonicNs();
    if (this.closed) return;
    const output: Kinematics = {
      binIndex: this.#binIndex,
      binEndSample: this.#binEndSample,
      values,
      sourceSentNs: this.#sourceSentNs,
      receivedNs: this.#receivedNs,
      closedNs: this.#closedNs,
      inferStartNs: this.#inferStartNs,
      inferEndNs,
      stale: this.#newestBinIndex > this.#binIndex,
    };
    try {
      this.subscriber.next(output);
    } catch (error) {
      // A throwing downstream operator would otherwise become an unhandled rejection of this promise chain.
      this.closed = true;
      this.subscriber.error(error);
      return;
    }
    this.#next();
  };

  readonly #onFailed = (error: unknown): void => {
    if (this.closed) return;
    this.onFailed?.(error, this.#binIndex);
    this.#next();
  };

  #next(): void {
    this.#inFlight = false;
    if (this.closed) return;
    const pending = this.#pending;
    if (pending !== undefined) {
      this.#pending = undefined;
      this.#start(pending);
    } else if (this.#sourceDone) {
      this.subscriber.complete();
    }
  }
}
