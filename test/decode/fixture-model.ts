import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { REPO_ROOT } from '../../src/config';
import type { Logger } from '../../src/log';

/** The tiny linear model written by test/fixtures/models/make-fixture.py; the formulas below repeat that file's. */
export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'models');
export const FIXTURE_ONNX = path.join(FIXTURE_DIR, 'linear-fixture.onnx');
export const FIXTURE_CARD = path.join(FIXTURE_DIR, 'linear-fixture.json');
export const T = 4;
export const N = 5;
export const C = 2;
export const D = 2;
export const CARD_CONTEXT = [1.0, -0.5];

const w = (n: number, d: number) => ((((n + 1) * (d + 2)) % 7) - 3) / 4;
const v = (n: number, d: number) => (((n + 2 * d) % 5) - 2) / 8;
const u = (c: number, d: number) => (c - d + 1) / 2;
const bias = (d: number) => 0.25 * (d + 1);

/**
 * The model's output at the last bin, computed here in float64 from the closed form:
 * (Σ_t x_t)·W + x_{T−1}·V + context·U + bias.
 */
export function expectedLastBin(window: ArrayLike<number>, context: readonly number[] = CARD_CONTEXT): number[] {
  const out: number[] = [];
  for (let d = 0; d < D; d++) {
    let y = bias(d);
    for (let c = 0; c < C; c++) y += context[c]! * u(c, d);
    for (let n = 0; n < N; n++) {
      let sum = 0;
      for (let t = 0; t < T; t++) sum += window[t * N + n]!;
      y += sum * w(n, d) + window[(T - 1) * N + n]! * v(n, d);
    }
    out.push(y);
  }
  return out;
}

/** Spike-count-like window with small integers, deterministic per seed. */
export function countsWindow(seed: number): Float32Array {
  const window = new Float32Array(T * N);
  let state = seed * 2654435761 + 1;
  for (let i = 0; i < window.length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    window[i] = state % 6;
  }
  return window;
}

export function assertClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tolerance) {
      throw new Error(`value ${i}: got ${actual[i]}, expected ${expected[i]} (all: ${Array.from(actual).join(', ')})`);
    }
  }
}

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      callback();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}
