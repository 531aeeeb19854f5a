/**
 * The synthetic acquisition stream shared by every system under test: N channels of Poisson spikes on a 30 kHz
 * sample clock, one message per 1 ms block. Deterministic for a seed, so the daemon, the relay and the Python peer
 * are fed bit-identical streams in turn.
 */
import { mulberry32 } from '../../src/replay/binned-spike-stream';

export interface StreamSpec {
  channels: number;
  /** Per-channel rates are drawn uniformly from [rateLowHz, rateHighHz] once per stream. */
  rateLowHz: number;
  rateHighHz: number;
  sampleRateHz: number;
  /** Samples per message (30 = 1 ms at 30 kHz). */
  blockSamples: number;
  seed: number;
}

/** The replay's seeded PRNG (mulberry32): plenty for spike trains. */
export const rng = mulberry32;

export class SpikeSource {
  readonly spec: StreamSpec;
  readonly rates: Float64Array;
  readonly meanSpikesPerBlock: number;
  readonly #random: () => number;
  readonly #maxRate: number;
  offsets: Uint32Array;
  channels: Uint16Array;

  constructor(spec: StreamSpec) {
    this.spec = spec;
    this.#random = rng(spec.seed);
    this.rates = new Float64Array(spec.channels);
    let total = 0;
    for (let c = 0; c < spec.channels; c++) {
      this.rates[c] = spec.rateLowHz + (spec.rateHighHz - spec.rateLowHz) * this.#random();
      total += this.rates[c];
    }
    this.#maxRate = Math.max(spec.rateHighHz, 1e-9);
    this.meanSpikesPerBlock = (total * spec.blockSamples) / spec.sampleRateHz;
    const capacity = Math.ceil(this.meanSpikesPerBlock * 3 + 64);
    this.offsets = new Uint32Array(capacity);
    this.channels = new Uint16Array(capacity);
  }

  /** Poisson count: Knuth below λ = 30, a rounded normal above (the error is irrelevant for load generation). */
  #poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    if (lambda < 30) {
      const limit = Math.exp(-lambda);
      let k = 0;
      let p = this.#random();
      while (p > limit) {
        k++;
        p *= this.#random();
      }
      return k;
    }
    const u1 = Math.max(this.#random(), 1e-12);
    const u2 = this.#random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
  }

  /** Fills offsets/channels for the next block and returns its spike count. */
  nextBlock(): number {
    const count = this.#poisson(this.meanSpikesPerBlock);
    if (count > this.offsets.length) {
      this.offsets = new Uint32Array(count * 2);
      this.channels = new Uint16Array(count * 2);
    }
    const n = this.spec.channels;
    const block = this.spec.blockSamples;
    for (let i = 0; i < count; i++) {
      // Channel in proportion to its rate, by rejection against the highest rate (acceptance >= low/high).
      let channel: number;
      do {
        channel = Math.floor(this.#random() * n);
      } while (this.#random() * this.#maxRate > this.rates[channel]);
      this.channels[i] = channel;
      this.offsets[i] = Math.floor(this.#random() * block);
    }
    return count;
  }
}
