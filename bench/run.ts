/**
 * `npm run bench`: every suite of issue 4 in one run, JSON per suite in bench/results/, summary.json and
 * docs/BENCHMARKS.md with SVG plots.
 *
 *   --quick            fewer bins per measurement (< 2 min once models are cached)
 *   --model FILE       ONNX model (card next to it); default models/rpnt-m1-stevenson2011.onnx
 *   --out DIR          results folder (default bench/results); the report goes to docs/BENCHMARKS.md only for the
 *                      default folder, else to DIR/BENCHMARKS.md
 *   --suites LIST      comma-separated subset of kernels,inference,e2e,scale
 *   --report-only      rebuild the report from the JSON already in --out
 *   --seed N           stream seed (default 1)
 *   --provider P       onnxruntime provider of the daemon under test: cpu (default), cuda, tensorrt
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { commitInfo, machineInfo } from './lib/machine';
import { resolveShippedModel } from './lib/models';
import { cdfPoints } from './lib/stats';
import { REPO_ROOT } from './lib/systems';
import { writeReport, type StoredE2eRun } from './report';
import type { SuiteContext } from './suites/common';
import { runE2eSuite } from './suites/e2e';
import { runInferenceSuite } from './suites/inference';
import { runKernelSuite } from './suites/kernels';
import { runScaleSuite } from './suites/scale';
import { buildSummary, type RunMeta, type SuiteResults } from './summary';

const ALL_SUITES = ['kernels', 'inference', 'e2e', 'scale'] as const;
type SuiteName = (typeof ALL_SUITES)[number];

export interface BenchArgs {
  quick: boolean;
  model?: string;
  out: string;
  suites: SuiteName[];
  reportOnly: boolean;
  seed: number;
  provider: 'cpu' | 'cuda' | 'tensorrt';
}

export function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = { quick: false, out: path.join(REPO_ROOT, 'bench', 'results'), suites: [...ALL_SUITES], reportOnly: false, seed: 1, provider: 'cpu' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') args.quick = true;
    else if (a === '--model') args.model = value();
    else if (a === '--out') args.out = path.resolve(value());
    else if (a === '--report-only') args.reportOnly = true;
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--provider') {
      const p = value();
      if (p !== 'cpu' && p !== 'cuda' && p !== 'tensorrt') throw new Error(`--provider must be cpu, cuda or tensorrt, got ${p}`);
      args.provider = p;
    }
    else if (a === '--suites') {
      const list = value().split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) if (!(ALL_SUITES as readonly string[]).includes(s)) throw new Error(`unknown suite ${s}; choose from ${ALL_SUITES.join(', ')}`);
      args.suites = list as SuiteName[];
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(`${readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return args;
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

function reportPathFor(out: string): { report: string; plots: string } {
  const isDefault = path.resolve(out) === path.join(REPO_ROOT, 'bench', 'results');
  return { report: isDefault ? path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md') : path.join(out, 'BENCHMARKS.md'), plots: path.join(out, 'plots') };
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  mkdirSync(args.out, { recursive: true });
  const { report, plots } = reportPathFor(args.out);

  if (args.reportOnly) {
    const results: SuiteResults = {
      e2e: readJson(path.join(args.out, 'e2e.json')),
      scale: readJson(path.join(args.out, 'scale.json')),
      kernels: readJson(path.join(args.out, 'kernels.json')),
      inference: readJson(path.join(args.out, 'inference.json')),
    };
    const meta = readJson<RunMeta>(path.join(args.out, 'run.json'));
    if (!meta) throw new Error(`no run.json in ${args.out}: run the bench first`);
    // The summary is a pure function of the suite JSON and run.json, so it is rebuilt too.
    const summary = buildSummary(results, meta);
    writeJson(path.join(args.out, 'summary.json'), summary);
    writeReport(results, meta, summary, report, plots, readJson(path.join(args.out, 'e2e-cdf.json')) ?? {});
    say(`bench: report rebuilt: ${path.relative(process.cwd(), report)}`);
    return;
  }

  const started = Date.now();
  const model = resolveShippedModel(args.model);
  const machine = machineInfo();
  const commit = commitInfo(REPO_ROOT);
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'rpntd-bench-'));
  const ctx: SuiteContext = { quick: args.quick, outDir: args.out, tmpDir, model, say, seed: args.seed, provider: args.provider };
  say(`bench: ${args.quick ? 'quick' : 'full'} run, suites ${args.suites.join(', ')}; model ${model.name} (${model.origin}: ${model.onnx})`);
  say(`bench: ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverageStart.join('/')}; commit ${commit.short}${commit.dirty ? '+dirty' : ''}`);
  if (machine.loadAverageStart[0] > machine.cores * 0.5) say('bench: WARNING the host is busy (load average above half the cores): tails will be noisy');

  const results: SuiteResults = {};
  const cdfs: Record<string, StoredE2eRun> = {};
  try {
    for (const suite of args.suites) {
      const t0 = Date.now();
      if (suite === 'kernels') results.kernels = await runKernelSuite(ctx);
      else if (suite === 'inference') results.inference = await runInferenceSuite(ctx);
      else if (suite === 'e2e') {
        const e2e = await runE2eSuite(ctx);
        for (const run of e2e.runs) {
          cdfs[run.label] = { label: run.label, system: run.system, binMs: run.binMs, cdf: cdfPoints(run.e2eSample ?? []), overheadCdf: run.overheadSample ? cdfPoints(run.overheadSample) : undefined };
          delete run.e2eSample;
          delete run.overheadSample;
        }
        results.e2e = e2e;
      } else if (suite === 'scale') {
        const scale = await runScaleSuite(ctx);
        for (const row of scale.rows) {
          delete row.run.e2eSample;
          delete row.run.overheadSample;
        }
        results.scale = scale;
      }
      say(`bench: suite ${suite} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      writeJson(path.join(args.out, `${suite}.json`), results[suite]);
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  if (Object.keys(cdfs).length > 0) writeJson(path.join(args.out, 'e2e-cdf.json'), cdfs);
  machine.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const meta: RunMeta = {
    machine,
    commit,
    config: {
      mode: args.quick ? 'quick' : 'full',
      suites: args.suites,
      seed: args.seed,
      model: { name: model.name, path: path.relative(REPO_ROOT, model.onnx).startsWith('..') ? model.onnx : path.relative(REPO_ROOT, model.onnx), origin: model.origin, sha256: model.sha256, windowBins: model.windowBins, channels: model.channels, binMs: model.binMs, dModel: model.dModel, layers: model.layers, heads: model.heads },
      stream: { sampleRateHz: 30000, messageMs: 1, ratesHz: [10, 50], transport: 'tcp://127.0.0.1' },
      daemon: { kernel: 'native', intraOpThreads: 1, metrics: false, provider: args.provider },
      pythonPeer: { python: '/usr/bin/python3', torchThreads: 1, weights: 'untrained, shipped architecture' },
    },
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date().toISOString(),
    wallSeconds: Math.round((Date.now() - started) / 1000),
  };
  // Suites not run this time keep their previous JSON out of the summary: the summary describes this run only.
  const summary = buildSummary(results, meta);
  writeJson(path.join(args.out, 'run.json'), meta);
  writeJson(path.join(args.out, 'summary.json'), summary);
  writeReport(results, meta, summary, report, plots, cdfs);
  say(`bench: wrote ${path.relative(process.cwd(), args.out)}/*.json, ${path.relative(process.cwd(), report)} (${meta.wallSeconds} s)`);
  say(JSON.stringify(Object.fromEntries(Object.entries(summary).filter(([k]) => !['machine', 'commit', 'config'].includes(k)))));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
