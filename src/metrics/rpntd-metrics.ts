import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createStageLatencies, fillStageLatencies, type Kinematics } from '../decode';
import { LATENCY_BUCKETS_SECONDS, METRICS, STAGES, type MetricSpec } from './names';

export type MetricLabels = Readonly<Record<string, string>>;

/** Maps fields of a plain stats object to the metrics they feed (see addCounterSources). */
export type StatsFieldMetrics<S> = {
  readonly [K in keyof S]?: MetricSpec | { readonly metric: MetricSpec; readonly labels: MetricLabels };
};

export interface RpntdMetricsOptions {
  /** Add prom-client's process_* and nodejs_* metrics. Default true. */
  defaultMetrics?: boolean;
  /** Sampling resolution of the event-loop delay monitor, ms. Default 10 (Node's default). */
  eventLoopResolutionMs?: number;
}

interface Source {
  labels: MetricLabels | undefined;
  read: () => number;
}

interface SourceMetric {
  kind: 'counter' | 'gauge';
  labelNames: readonly string[];
  sources: Source[];
}

/**
 * The daemon's metrics on their own registry. Stage counters are not incremented on the hot path: each stage keeps a
 * plain `stats` object of numbers and the functions registered here read it when Prometheus scrapes, so a bin costs
 * nothing for counting. Latencies are observed once per published output (observeKinematics).
 *
 * Wiring in the pipeline takes a line per stage, without this module knowing the stages' fields:
 *
 *   metrics.addCounterSources(subscriber.stats, { spikes: METRICS.spikesReceived, gaps: METRICS.sequenceGaps });
 *   metrics.addGaugeSource(METRICS.windowFill, () => window.filledBins / window.windowBins);
 */
export class RpntdMetrics {
  readonly registry = new Registry();
  readonly #sources = new Map<string, SourceMetric>();
  readonly #stageLatency: Record<string, { observe(value: number): void }>;
  readonly #ingestToPublish: Histogram;
  readonly #endToEnd: Histogram;
  readonly #staleOutputs: Counter;
  readonly #modelInfo: Gauge;
  readonly #eventLoopDelay: IntervalHistogram;
  readonly #latenciesNs = createStageLatencies();
  #model: { model: string; version: string; executionProvider: string } | undefined;

  constructor(options: RpntdMetricsOptions = {}) {
    const registers = [this.registry];
    const stageLatency = new Histogram({
      ...spec(METRICS.stageLatency),
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    // Label children bound once, so an observation does not rebuild the label object.
    this.#stageLatency = {};
    for (const stage of STAGES) this.#stageLatency[stage] = stageLatency.labels({ stage });
    this.#ingestToPublish = new Histogram({
      ...spec(METRICS.ingestToPublishLatency),
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.#endToEnd = new Histogram({ ...spec(METRICS.endToEndLatency), buckets: [...LATENCY_BUCKETS_SECONDS], registers });
    this.#staleOutputs = new Counter({ ...spec(METRICS.kinematicsStale), registers });
    this.#modelInfo = new Gauge({ ...spec(METRICS.modelInfo), registers });

    this.#eventLoopDelay = monitorEventLoopDelay({ resolution: options.eventLoopResolutionMs ?? 10 });
    this.#eventLoopDelay.enable();
    const delay = this.#eventLoopDelay;
    new Gauge({
      ...spec(METRICS.eventLoopLag),
      registers,
      collect() {
        // The monitor reports ns; it is reset per scrape so the values describe the last scrape interval.
        const empty = delay.count === 0;
        this.set({ stat: 'p50' }, empty ? 0 : delay.percentile(50) / 1e9);
        this.set({ stat: 'p99' }, empty ? 0 : delay.percentile(99) / 1e9);
        this.set({ stat: 'max' }, empty ? 0 : delay.max / 1e9);
        delay.reset();
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A counter whose value is read from `read()` at scrape time (it must never decrease). */
  addCounterSource(spec: MetricSpec, read: () => number, labels?: MetricLabels): void;
  addCounterSource(name: string, help: string, read: () => number, labels?: MetricLabels): void;
  addCounterSource(...args: SourceArgs): void {
    this.#addSource('counter', args);
  }

  /** A gauge whose value is read from `read()` at scrape time. */
  addGaugeSource(spec: MetricSpec, read: () => number, labels?: MetricLabels): void;
  addGaugeSource(name: string, help: string, read: () => number, labels?: MetricLabels): void;
  addGaugeSource(...args: SourceArgs): void {
    this.#addSource('gauge', args);
  }

  /** One counter source per listed field of a plain stats object, read at scrape time. */
  addCounterSources<S extends object>(stats: S, fields: StatsFieldMetrics<S>): void {
    for (const field of Object.keys(fields) as (keyof S & string)[]) {
      const entry = fields[field]!;
      const labelled = 'metric' in entry ? (entry as { metric: MetricSpec; labels: MetricLabels }) : undefined;
      const metric: MetricSpec = labelled !== undefined ? labelled.metric : (entry as MetricSpec);
      const labels = labelled?.labels;
      this.addCounterSource(metric, () => Number(stats[field]), labels);
    }
  }

  /** The current value of a source metric (summed over its label sets), e.g. bins closed for /healthz. */
  readSource(name: string): number | undefined {
    const metric = this.#sources.get(name);
    if (metric === undefined) return undefined;
    let sum = 0;
    for (const source of metric.sources) sum += source.read();
    return sum;
  }

  setModelInfo(info: { model: string; version: string; executionProvider: string }): void {
    this.#modelInfo.reset();
    this.#modelInfo.set({ model: info.model, version: info.version, execution_provider: info.executionProvider }, 1);
    this.#model = info;
  }

  get modelInfo(): { model: string; version: string; executionProvider: string } | undefined {
    return this.#model;
  }

  /** Observes every latency of one published output (definitions: src/decode/latency.ts). NaN stamps are skipped. */
  observeKinematics(k: Kinematics, publishedNs: number): void {
    if (!Number.isFinite(publishedNs)) return;
    const ns = fillStageLatencies(k, publishedNs, this.#latenciesNs);
    const stage = this.#stageLatency;
    if (Number.isFinite(ns.ingest)) stage.ingest!.observe(ns.ingest / 1e9);
    stage.bin!.observe(ns.bin / 1e9);
    stage.window!.observe(ns.window / 1e9);
    stage.infer!.observe(ns.infer / 1e9);
    stage.publish!.observe(ns.publish / 1e9);
    this.#ingestToPublish.observe(ns.total / 1e9);
    if (Number.isFinite(ns.e2e)) this.#endToEnd.observe(ns.e2e / 1e9);
    if (k.stale) this.#staleOutputs.inc();
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops the event-loop monitor. */
  close(): void {
    this.#eventLoopDelay.disable();
  }

  #addSource(kind: 'counter' | 'gauge', args: SourceArgs): void {
    const [name, help, read, labels] =
      typeof args[0] === 'string'
        ? (args as [string, string, () => number, MetricLabels?])
        : [args[0].name, args[0].help, args[1] as () => number, args[2] as MetricLabels | undefined];
    if (!name.startsWith('rpntd_')) throw new TypeError(`metric ${name} must start with rpntd_ (src/metrics/names.ts)`);
    if (kind === 'counter' && !name.endsWith('_total')) throw new TypeError(`counter ${name} must end in _total`);
    const labelNames = Object.keys(labels ?? {}).sort();
    const existing = this.#sources.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind || existing.labelNames.join() !== labelNames.join()) {
        throw new TypeError(
          `metric ${name} is already a ${existing.kind} with labels [${existing.labelNames.join(', ')}]; a second ` +
            `source must use the same kind and label names, got ${kind} [${labelNames.join(', ')}]`,
        );
      }
      existing.sources.push({ labels, read });
      return;
    }
    const metric: SourceMetric = { kind, labelNames, sources: [{ labels, read }] };
    this.#sources.set(name, metric);
    const sources = metric.sources;
    if (kind === 'counter') {
      new Counter({
        name, help, labelNames, registers: [this.registry],
        collect() {
          this.reset();
          for (const source of sources) {
            const value = source.read();
            if (Number.isFinite(value) && value >= 0) {
              if (source.labels) this.inc(source.labels, value);
              else this.inc(value);
            }
          }
        },
      });
    } else {
      new Gauge({
        name, help, labelNames, registers: [this.registry],
        collect() {
          for (const source of sources) {
            const value = source.read();
            if (source.labels) this.set(source.labels, value);
            else this.set(value);
          }
        },
      });
    }
  }
}

type SourceArgs =
  | [spec: MetricSpec, read: () => number, labels?: MetricLabels]
  | [name: string, help: string, read: () => number, labels?: MetricLabels];

function spec(metric: MetricSpec): { name: string; help: string; labelNames: string[] } {
  return { name: metric.name, help: metric.help, labelNames: [...(metric.labelNames ?? [])] };
}
