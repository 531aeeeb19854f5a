import { exponentialBuckets } from 'prom-client';

/**
 * Every metric rpntd exports: name, help text (with the unit) and label names, in one place; docs/METRICS.md lists
 * the same table. Prometheus conventions: prefix rpntd_, base units (seconds, ratio), counters end in _total, labels
 * only from small closed sets (STAGES, codec reasons, the model's identity).
 */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

/** Pipeline stages as latency labels; definitions in src/decode/latency.ts. */
export const STAGES = ['ingest', 'bin', 'window', 'infer', 'publish'] as const;
export type StageName = (typeof STAGES)[number];

/**
 * Latency buckets, seconds: 25 µs doubling to 204.8 ms (14 buckets). Stages here take tens of µs to a few ms; the
 * prom-client default (5 ms to 10 s, sized for HTTP) would put all of them in the first bucket.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = exponentialBuckets(25e-6, 2, 14);

export const METRICS = {
  // ingest (read from SpikeSubscriber.stats at scrape time)
  messagesReceived: { name: 'rpntd_messages_received_total', help: 'spikes messages received from ZeroMQ' },
  messagesMalformed: {
    name: 'rpntd_messages_malformed_total',
    help: 'spikes messages dropped because they could not be decoded, by reason (the CodecError reason)',
    labelNames: ['reason'],
  },
  sequenceGaps: {
    name: 'rpntd_sequence_gaps_total',
    help: 'jumps in a source\'s message seq: messages lost between the acquisition publisher and us',
  },
  spikesReceived: {
    name: 'rpntd_spikes_received_total',
    help: 'spike events decoded from the wire; equals binned + late + invalid + rejected',
  },
  // bin (read from SpikeBinner.stats at scrape time)
  spikesBinned: { name: 'rpntd_spikes_binned_total', help: 'spikes counted into a bin' },
  spikesLate: { name: 'rpntd_spikes_late_total', help: 'spikes whose bin had already closed; not counted' },
  spikesInvalid: {
    name: 'rpntd_spikes_invalid_total',
    help: 'spikes with a channel >= ingest.channels or an offset outside the message; not counted',
  },
  spikesRejected: {
    name: 'rpntd_spikes_rejected_total',
    help: 'spikes in batches refused whole (sample rate differs from ingest.rateHz, or a source not in ingest.sources)',
  },
  batchesRejected: { name: 'rpntd_batches_rejected_total', help: 'well-formed messages refused whole (see rpntd_spikes_rejected_total)' },
  sampleGaps: { name: 'rpntd_sample_gaps_total', help: "messages starting after their source's previous t1: samples nobody reported" },
  sampleOverlaps: { name: 'rpntd_sample_overlaps_total', help: "messages starting before their source's previous t1: samples reported twice" },
  binsClosed: { name: 'rpntd_bins_closed_total', help: 'bins closed (every expected source reported past their end)' },
  binsForcedClosed: {
    name: 'rpntd_bins_forced_closed_total',
    help: 'bins closed before a lagging source reported past them, to make room in the ring (bin.ringBins); included in closed',
  },
  clockJumps: {
    name: 'rpntd_clock_jumps_total',
    help: "messages far (more than bin.ringBins bins) from where their source left off: a restart or clock jump",
  },
  sourcesDormant: {
    name: 'rpntd_sources_dormant_total',
    help: 'times a source fell a whole ring behind and stopped holding bins open (until it reports again)',
  },
  binsSkipped: { name: 'rpntd_bins_skipped_total', help: 'bins passed over after a jump of the sample clock larger than the ring; zero-filled in the window' },
  // window
  windowFill: {
    name: 'rpntd_window_fill_ratio',
    help: 'fraction of the model window holding real bins (0 to 1); below 1 while the window fills after start',
  },
  // decode
  inferences: { name: 'rpntd_inferences_total', help: 'model inferences that produced outputs (warm-up excluded)' },
  inferenceFailures: { name: 'rpntd_inference_failures_total', help: 'model inferences that threw' },
  windowsSkipped: {
    name: 'rpntd_windows_skipped_total',
    help: 'windows never decoded because a newer one arrived while an inference ran',
  },
  // publish
  kinematicsPublished: { name: 'rpntd_kinematics_published_total', help: 'kinematics messages handed to ZeroMQ' },
  kinematicsStale: {
    name: 'rpntd_kinematics_stale_total',
    help: 'kinematics published for a bin older than the newest closed bin',
  },
  kinematicsDropped: {
    name: 'rpntd_kinematics_dropped_total',
    help: 'kinematics messages the PUB socket refused (send error); slow subscribers drop inside ZeroMQ, unseen here',
  },
  // latency
  stageLatency: {
    name: 'rpntd_stage_latency_seconds',
    help: 'time spent per published output in each stage, seconds (stages defined in docs/METRICS.md)',
    labelNames: ['stage'],
  },
  ingestToPublishLatency: {
    name: 'rpntd_ingest_to_publish_latency_seconds',
    help: 'message that closed the bin decoded -> its kinematics published, seconds (the daemon\'s own latency)',
  },
  endToEndLatency: {
    name: 'rpntd_end_to_end_latency_seconds',
    help: 'acquisition publisher sent the message that closed the bin -> kinematics published, seconds (needs sent_ns)',
  },
  // runtime
  eventLoopLag: {
    name: 'rpntd_event_loop_lag_seconds',
    help: 'event-loop delay since the previous scrape, seconds, by statistic (p50, p99, max)',
    labelNames: ['stat'],
  },
  modelInfo: {
    name: 'rpntd_model_info',
    help: 'the loaded model (value is always 1)',
    labelNames: ['model', 'version', 'execution_provider'],
  },
} as const satisfies Record<string, MetricSpec>;
