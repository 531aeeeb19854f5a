/**
 * Which ONNX models the benches use. The shipped model (models/rpnt-m1-stevenson2011.onnx) unless --model names
 * another. Everything else (other channel
 * counts, other sizes, other bin widths) is an untrained model of the shipped architecture built by
 * bench/bench_models.py into bench/models/ (git-ignored), built once and reused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { ModelRef } from './experiment';
import { PYTHON, REPO_ROOT } from './systems';

export const SHIPPED_MODEL = path.join(REPO_ROOT, 'models', 'rpnt-m1-stevenson2011.onnx');
export const BENCH_MODEL_DIR = path.join(REPO_ROOT, 'bench', 'models');

export interface ShippedModel extends ModelRef {
  channels: number;
  binMs: number;
  name: string;
  /** 'shipped' | 'option' */
  origin: string;
  sha256: string;
}

function cardOf(onnx: string): string {
  return onnx.replace(/\.onnx$/i, '') + '.json';
}

export function resolveShippedModel(option: string | undefined): ShippedModel {
  let onnx: string;
  let origin: string;
  if (option !== undefined) {
    onnx = path.resolve(option);
    origin = 'option';
  } else if (existsSync(SHIPPED_MODEL)) {
    onnx = SHIPPED_MODEL;
    origin = 'shipped';
  } else {
    throw new Error(`no model: ${SHIPPED_MODEL} does not exist; pass --model FILE.onnx`);
  }
  const card = cardOf(onnx);
  const json = JSON.parse(readFileSync(card, 'utf8')) as {
    name: string; channels: number; bin_ms: number; window_bins: number; onnx_sha256: string;
    architecture: { d_model: number; layers: number; heads: number };
  };
  return {
    onnx,
    card,
    origin,
    name: json.name,
    channels: json.channels,
    binMs: json.bin_ms,
    windowBins: json.window_bins,
    dModel: json.architecture.d_model,
    layers: json.architecture.layers,
    heads: json.architecture.heads,
    sha256: json.onnx_sha256,
  };
}

/**
 * A card for the same ONNX file at another bin width (the graph has no notion of time per bin, so the compute is
 * identical); lets the daemon run the shipped model at the 20 ms cadence. Written to bench/models/.
 */
export function shippedAtBinWidth(model: ShippedModel, binMs: number): ShippedModel {
  if (model.binMs === binMs) return model;
  mkdirSync(BENCH_MODEL_DIR, { recursive: true });
  const card = JSON.parse(readFileSync(model.card, 'utf8')) as Record<string, unknown>;
  card.bin_ms = binMs;
  card.name = `${model.name}-as-${binMs}ms`;
  const out = path.join(BENCH_MODEL_DIR, `${path.basename(model.card, '.json')}-as-${binMs}ms.json`);
  writeFileSync(out, JSON.stringify(card, null, 2));
  return { ...model, card: out, binMs, name: card.name as string };
}

export interface BenchModelSpec {
  name: string;
  channels: number;
  windowBins: number;
  binMs: number;
  dModel: number;
  layers: number;
  heads: number;
}

export function benchModelRef(spec: BenchModelSpec): ModelRef & BenchModelSpec {
  return {
    ...spec,
    onnx: path.join(BENCH_MODEL_DIR, `${spec.name}.onnx`),
    card: path.join(BENCH_MODEL_DIR, `${spec.name}.json`),
  };
}

/** Builds the missing ones in one Python process (≈3 s per model). */
export function ensureBenchModels(specs: BenchModelSpec[], say: (line: string) => void): void {
  const missing = specs.filter((s) => {
    const ref = benchModelRef(s);
    return !existsSync(ref.onnx) || !existsSync(ref.card);
  });
  if (missing.length === 0) return;
  say(`bench: exporting ${missing.length} untrained bench model(s) to ${path.relative(REPO_ROOT, BENCH_MODEL_DIR)}/ (${missing.map((s) => s.name).join(', ')})`);
  execFileSync(
    PYTHON,
    [
      path.join(REPO_ROOT, 'bench', 'bench_models.py'),
      '--out', BENCH_MODEL_DIR,
      ...missing.map((s) => [s.name, s.channels, s.windowBins, s.binMs, s.dModel, s.layers, s.heads].join(':')),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } },
  );
}
