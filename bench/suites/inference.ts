/**
 * Suite 6: inference alone, through the daemon's own Decoder (onnxruntime-node, the session options rpntd uses):
 * the shipped model and bigger untrained ones (D = 128/3, 256/4, 384/4 layers at T = 50, N = 384), 1 and 2
 * intra-op threads, back to back and at the real cadence (one call per bin, the thread pool idle in between, which is
 * known to be slower). CUDA is attempted and reported as unavailable when the provider is not installed.
 */
import { Decoder, loadModelCard } from '../../src/decode';
import { createLogger } from '../../src/log';
import { benchModelRef, ensureBenchModels, type BenchModelSpec } from '../lib/models';
import { distribution, roundDistribution, type Distribution } from '../lib/stats';
import { rng } from '../lib/stream';
import type { SuiteContext } from './common';

export interface InferenceRow {
  model: string;
  dModel: number;
  layers: number;
  windowBins: number;
  channels: number;
  parameters: number | undefined;
  provider: string;
  threads: number;
  mode: 'back-to-back' | 'cadence';
  cadenceMs?: number;
  us: Distribution;
}

export interface InferenceSuiteResult {
  rows: InferenceRow[];
  cuda: string;
  shippedP99Us: number;
}

export function sizeModelSpecs(): BenchModelSpec[] {
  return [
    { name: 'size-d128-l3-n384-t50', channels: 384, windowBins: 50, binMs: 20, dModel: 128, layers: 3, heads: 4 },
    { name: 'size-d256-l4-n384-t50', channels: 384, windowBins: 50, binMs: 20, dModel: 256, layers: 4, heads: 8 },
    { name: 'size-d384-l4-n384-t50', channels: 384, windowBins: 50, binMs: 20, dModel: 384, layers: 4, heads: 12 },
  ];
}

const now = () => Number(process.hrtime.bigint());
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function measure(decoder: Decoder, calls: number, cadenceMs: number | undefined): Promise<number[]> {
  const random = rng(11);
  const window = new Float32Array(decoder.windowBins * decoder.channels).map(() => (random() < 0.6 ? 0 : Math.floor(random() * 4)));
  const out: number[] = [];
  const start = now();
  for (let i = 0; i < calls; i++) {
    if (cadenceMs !== undefined) {
      const wait = (start + i * cadenceMs * 1e6 - now()) / 1e6;
      if (wait > 0) await sleep(wait);
    }
    const t0 = now();
    await decoder.decode(window);
    out.push((now() - t0) / 1000);
  }
  return out;
}

export async function runInferenceSuite(ctx: SuiteContext): Promise<InferenceSuiteResult> {
  const sizes = sizeModelSpecs();
  ensureBenchModels(sizes, ctx.say);
  const log = createLogger('bench', 'error');
  const models = [
    { label: `${ctx.model.name} (${ctx.model.origin})`, onnx: ctx.model.onnx, card: ctx.model.card },
    ...sizes.map((s) => {
      const ref = benchModelRef(s);
      return { label: `${s.name} (untrained)`, onnx: ref.onnx, card: ref.card };
    }),
  ];
  const rows: InferenceRow[] = [];
  const b2bCalls = ctx.quick ? 100 : 300;
  const cadenceCalls = ctx.quick ? 40 : 300;
  for (const m of models) {
    const card = loadModelCard(m.card, m.onnx);
    const arch = card.architecture as { d_model?: number; layers?: number; parameters?: number };
    // Quick mode: 2 threads only for the shipped model.
    for (const threads of ctx.quick && m !== models[0] ? [1] : [1, 2]) {
      const decoder = await Decoder.create({ modelPath: m.onnx, card, executionProvider: 'cpu', intraOpThreads: threads, interOpThreads: 1, warmupRuns: 20, log });
      for (const mode of ['back-to-back', 'cadence'] as const) {
        const cadenceMs = mode === 'cadence' ? card.bin_ms : undefined;
        const sample = await measure(decoder, mode === 'cadence' ? cadenceCalls : b2bCalls, cadenceMs);
        const row: InferenceRow = {
          model: m.label, dModel: arch.d_model ?? NaN, layers: arch.layers ?? NaN, windowBins: card.window_bins, channels: card.channels,
          parameters: arch.parameters, provider: decoder.executionProvider, threads, mode, cadenceMs, us: roundDistribution(distribution(sample)),
        };
        ctx.say(`inference: ${m.label} T=${card.window_bins} N=${card.channels} threads ${threads} ${mode}${cadenceMs ? ` every ${cadenceMs} ms` : ''}: p50 ${row.us.p50} µs p99 ${row.us.p99} µs`);
        rows.push(row);
      }
      await decoder.close();
    }
  }
  // CUDA: only when onnxruntime's CUDA provider libraries are installed (docs/GPU.md); never a CPU number in disguise.
  let cuda = 'not attempted';
  try {
    const card = loadModelCard(ctx.model.card, ctx.model.onnx);
    const decoder = await Decoder.create({ modelPath: ctx.model.onnx, card, executionProvider: 'cuda', intraOpThreads: 1, interOpThreads: 1, warmupRuns: 20, log });
    if (decoder.executionProvider === 'cuda') {
      for (const mode of ['back-to-back', 'cadence'] as const) {
        const cadenceMs = mode === 'cadence' ? card.bin_ms : undefined;
        const sample = await measure(decoder, mode === 'cadence' ? cadenceCalls : b2bCalls, cadenceMs);
        rows.push({ model: `${ctx.model.name} (${ctx.model.origin})`, dModel: ctx.model.dModel, layers: ctx.model.layers, windowBins: card.window_bins, channels: card.channels, parameters: undefined, provider: 'cuda', threads: 1, mode, cadenceMs, us: roundDistribution(distribution(sample)) });
      }
      cuda = 'measured';
    } else {
      cuda = 'unavailable: onnxruntime-node has no CUDA provider libraries here (CPU-only build, no GPU); see docs/GPU.md';
    }
    await decoder.close();
  } catch (error) {
    cuda = `unavailable: ${(error as Error).message}`;
  }
  ctx.say(`inference: cuda ${cuda}`);
  const shipped = rows.find((r) => r.model.startsWith(ctx.model.name) && r.threads === 1 && r.mode === 'cadence' && r.provider === 'cpu');
  return { rows, cuda, shippedP99Us: shipped?.us.p99 ?? NaN };
}
