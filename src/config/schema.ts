import { z } from 'zod';

/**
 * The whole daemon configuration as one zod schema. YAML keys are spelled exactly like the TypeScript properties
 * (camelCase, unit in the name), so one grep finds both. Every object is strict: an unknown key is an error (load.ts
 * turns it into a "did you mean" message). Defaults are the m1-stevenson2011 setup that config/default.yaml spells
 * out; docs/CONFIG.md describes every key.
 *
 * Error wording does not live here: load.ts owns one table (FIELD_RULES) of what each field expects and how to fix
 * it, so the messages read the same whichever check failed.
 */

/** ZeroMQ endpoints the daemon binds or connects: transport://address. */
const zmqEndpoint = z.string().regex(/^(tcp|ipc|inproc|pgm|epgm|ws|wss):\/\/.+/);

const positiveInt = z.number().int().positive();

export const IngestConfigSchema = z.strictObject({
  /** SUB connects to every endpoint (one per acquisition publisher). */
  endpoints: z.array(zmqEndpoint).min(1).prefault(['tcp://127.0.0.1:5555']),
  /** Sources that must report before a bin closes; empty = every source seen so far (docs/ARCHITECTURE.md). */
  sources: z.array(z.string().min(1)).prefault([]),
  /** Sample rate of the acquisition clock, Hz. */
  rateHz: z.number().positive().prefault(30000),
  /** Number of recorded channels N; must equal the model card's `channels`. Channels are uint16 on the wire. */
  channels: positiveInt.max(65536).prefault(171),
});

export const BinConfigSchema = z.strictObject({
  /** Bin width, ms; must equal the model card's `bin_ms`, and rateHz·binMs/1000 must be a whole number of samples. */
  binMs: z.number().positive().prefault(50),
  /** Counting kernel: the C++ addon, or its pure-TypeScript twin (slower, no build needed). */
  kernel: z.enum(['native', 'ts']).prefault('native'),
  /** Open bins the binner can hold while a slow source catches up (bins ahead of the oldest open one). */
  ringBins: positiveInt.prefault(64),
});

export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export const ModelConfigSchema = z.strictObject({
  /** The ONNX file. */
  path: z.string().min(1).prefault('models/rpnt-m1-stevenson2011.onnx'),
  /** The model card (JSON); null = `path` with `.onnx` replaced by `.json`. */
  card: z.string().min(1).nullable().prefault(null),
  /** onnxruntime execution provider; cuda/tensorrt fall back to cpu with a warning when not installed (docs/GPU.md). */
  executionProvider: z.enum(EXECUTION_PROVIDERS).prefault('cpu'),
  /** Threads one operator may use. 1 keeps latency steady on a shared host (see docs/CONFIG.md). */
  intraOpThreads: positiveInt.prefault(1),
  /** Threads across operators; only used by parallel execution, kept for completeness (sessions run sequential). */
  interOpThreads: positiveInt.prefault(1),
  /** Per-name overrides of the card's context values, e.g. { session_day: 12 }. */
  context: z.record(z.string(), z.number()).prefault({}),
  /** Inferences run on zeros at start so the first real bin does not pay for allocation and kernel selection. */
  warmupRuns: z.number().int().nonnegative().prefault(20),
});

export const PublishConfigSchema = z.strictObject({
  /** PUB binds here; controllers connect a SUB. */
  endpoint: zmqEndpoint.prefault('tcp://127.0.0.1:5560'),
  /** First frame of every message. */
  topic: z.string().min(1).prefault('kinematics'),
});

export const MetricsConfigSchema = z.strictObject({
  host: z.string().min(1).prefault('127.0.0.1'),
  /** HTTP port of /metrics and /healthz; 0 = any free port (tests). */
  port: z.number().int().min(0).max(65535).prefault(9464),
  enabled: z.boolean().prefault(true),
});

export const RpntdConfigSchema = z.strictObject({
  ingest: IngestConfigSchema.prefault({}),
  bin: BinConfigSchema.prefault({}),
  model: ModelConfigSchema.prefault({}),
  publish: PublishConfigSchema.prefault({}),
  metrics: MetricsConfigSchema.prefault({}),
});

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type ParsedConfig = z.output<typeof RpntdConfigSchema>;

/**
 * The validated, frozen configuration. Paths are absolute; `model.card` is always set (derived from `model.path`
 * when the file said null).
 */
export type RpntdConfig = DeepReadonly<
  Omit<ParsedConfig, 'model'> & { model: Omit<ParsedConfig['model'], 'card'> & { card: string } }
>;
export type IngestConfig = RpntdConfig['ingest'];
export type BinConfig = RpntdConfig['bin'];
export type ModelConfig = RpntdConfig['model'];
export type PublishConfig = RpntdConfig['publish'];
export type MetricsConfig = RpntdConfig['metrics'];

/** Samples per bin, rateHz·binMs/1000; load.ts has already checked that it is a whole number. */
export function binSamplesOf(config: Pick<RpntdConfig, 'ingest' | 'bin'>): number {
  return Math.round((config.ingest.rateHz * config.bin.binMs) / 1000);
}
