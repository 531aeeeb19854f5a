/**
 * The daemon, top to bottom: every stage in the order a spike meets it. This is the only file that knows all of
 * them; each stage's folder under src/ has a small public surface (its index.ts). docs/ARCHITECTURE.md has the
 * types at each boundary.
 *
 *   acquisition PUB ─► ingest ─► bin ─► window ─► decode ─► publish ─► controllers
 *                       metrics at every stage (/metrics)
 */
import { filter, map, type Subscription } from 'rxjs';
import { SpikeBinner, binSpikes } from './bin';
import { binSamplesOf, type RpntdConfig } from './config';
import { Decoder, checkCardAgainstConfig, decodeLatest, loadModelCard, type ModelCard } from './decode';
import { SpikeSubscriber } from './ingest';
import type { Logger } from './log';
import { METRICS, RpntdMetrics, serveMetrics, type MetricsServer } from './metrics';
import { KinematicsPublisher } from './publish';
import { ContextWindow, slideWindow } from './window';

export interface Daemon {
  readonly config: RpntdConfig;
  readonly card: ModelCard;
  /** The onnxruntime execution provider actually in use (cpu when a GPU provider fell back). */
  readonly executionProvider: string;
  /** http://host:port of /metrics and /healthz, when metrics are enabled. */
  readonly metricsUrl: string | undefined;
  readonly metrics: RpntdMetrics;
  /**
   * Settles when the pipeline ends: resolves after stop(), rejects when it failed on its own (the spikes socket
   * broke). The daemon has stopped itself and /healthz answers 503 by then; `rpntd run` exits non-zero.
   */
  readonly done: Promise<void>;
  /** A snapshot of the daemon's counters (the same numbers /metrics exports). */
  totals(): DaemonTotals;
  /** Stops taking spikes, lets the bin in hand be decoded and published, then closes every socket. */
  stop(): Promise<void>;
}

export interface DaemonTotals {
  messagesReceived: number;
  messagesMalformed: number;
  spikesReceived: number;
  spikesBinned: number;
  spikesLate: number;
  spikesInvalid: number;
  spikesRejected: number;
  /** Messages missing from a source's seq (lost before they reached us). */
  seqGaps: number;
  binsClosed: number;
  inferences: number;
  inferenceFailures: number;
  windowsSkipped: number;
  published: number;
}

/** How long stop() waits for the last inference and publish before closing anyway. */
const DRAIN_TIMEOUT_MS = 2000;
/** Beyond one bin, how long stop() waits for the bin in hand to close before giving up on it. */
const BIN_IN_HAND_SLACK_MS = 200;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function startDaemon(config: RpntdConfig, log: Logger): Promise<Daemon> {
  // The model card decides the window and is checked against the config before anything opens a socket.
  const card = loadModelCard(config.model.card, config.model.path);
  checkCardAgainstConfig(card, config);

  // --- the stages, in order -----------------------------------------------------------------------------------
  const binner = new SpikeBinner({
    channels: config.ingest.channels,
    rateHz: config.ingest.rateHz,
    binSamples: binSamplesOf(config),
    expectedSources: config.ingest.sources.length > 0 ? config.ingest.sources : undefined,
    ringBins: config.bin.ringBins,
    kernel: config.bin.kernel,
    log: log.child({ stage: 'bin' }),
  });
  const window = new ContextWindow({ windowBins: card.window_bins, channels: config.ingest.channels });
  const decoder = await Decoder.create({
    modelPath: config.model.path,
    card,
    executionProvider: config.model.executionProvider,
    intraOpThreads: config.model.intraOpThreads,
    interOpThreads: config.model.interOpThreads,
    contextOverrides: config.model.context,
    warmupRuns: config.model.warmupRuns,
    log: log.child({ stage: 'decode' }),
  });
  const publisher = await KinematicsPublisher.bind({
    endpoint: config.publish.endpoint,
    topic: config.publish.topic,
    model: `${card.name}@${card.version}`,
    names: card.outputs.names,
    units: card.outputs.units,
    log: log.child({ stage: 'publish' }),
  });

  // Last: connecting starts the flow of spikes, which must not queue up behind start-up.
  const subscriber = new SpikeSubscriber({ endpoints: config.ingest.endpoints, log: log.child({ stage: 'ingest' }) });

  // --- metrics: stages keep plain counters; these are read when Prometheus scrapes --------------------------------
  let windowsSkipped = 0;
  let inferenceFailures = 0;
  const metrics = new RpntdMetrics();
  metrics.addCounterSources(subscriber.stats, {
    messagesReceived: METRICS.messagesReceived,
    spikesReceived: METRICS.spikesReceived,
  });
  for (const reason of Object.keys(subscriber.stats.malformedByReason) as (keyof typeof subscriber.stats.malformedByReason)[]) {
    metrics.addCounterSource(METRICS.messagesMalformed, () => subscriber.stats.malformedByReason[reason], { reason });
  }
  metrics.addCounterSources(binner.stats, {
    spikesBinned: METRICS.spikesBinned,
    spikesLate: METRICS.spikesLate,
    spikesInvalid: METRICS.spikesInvalid,
    spikesRejected: METRICS.spikesRejected,
    batchesRejected: METRICS.batchesRejected,
    seqGaps: METRICS.sequenceGaps,
    sampleGaps: METRICS.sampleGaps,
    overlaps: METRICS.sampleOverlaps,
    binsClosed: METRICS.binsClosed,
    binsForcedClosed: METRICS.binsForcedClosed,
    binsSkipped: METRICS.binsSkipped,
    clockJumps: METRICS.clockJumps,
    sourcesDormant: METRICS.sourcesDormant,
  });
  metrics.addGaugeSource(METRICS.windowFill, () => window.filledBins / window.windowBins);
  metrics.addCounterSources(decoder.stats, { inferences: METRICS.inferences });
  metrics.addCounterSource(METRICS.inferenceFailures, () => inferenceFailures);
  metrics.addCounterSource(METRICS.windowsSkipped, () => windowsSkipped);
  metrics.addCounterSources(publisher.stats, { published: METRICS.kinematicsPublished, dropped: METRICS.kinematicsDropped });
  metrics.setModelInfo({ model: card.name, version: card.version, executionProvider: decoder.executionProvider });
  let server: MetricsServer | undefined;
  if (config.metrics.enabled) {
    try {
      server = await serveMetrics({ host: config.metrics.host, port: config.metrics.port, metrics });
    } catch (error) {
      // Nothing else may stay open when start-up fails (the CLI exits, a test or embedding process may not).
      await subscriber.close();
      publisher.close();
      await decoder.close();
      metrics.close();
      throw error;
    }
  }

  // --- the pipeline -------------------------------------------------------------------------------------------
  const decodeFailureLog = log.child({ stage: 'decode' });
  let drained!: () => void;
  let failed!: (error: unknown) => void;
  const pipelineDone = new Promise<void>((resolve, reject) => {
    drained = resolve;
    failed = reject;
  });
  // Handled here so a caller that never looks at `done` does not crash on an unhandled rejection.
  pipelineDone.catch(() => undefined);
  const publishFailureLog = log.child({ stage: 'publish' });
  const subscription: Subscription = subscriber
    .batches()
    .pipe(
      // bin: count each batch's spikes into open bins on the sample clock; emit every bin that closes.
      binSpikes(binner),
      // window: append the bin to the last T bins (one contiguous [T, channels] view, no copy).
      slideWindow(window),
      // The model was trained on full windows; until T bins have closed there is nothing to decode.
      filter((frame) => frame.filledBins === window.windowBins),
      map((frame) => ({ bin: frame.bin, window: frame.counts })),
      // decode: one inference in flight; while it runs only the newest window waits, the ones it replaces are counted.
      decodeLatest(
        decoder,
        (count) => (windowsSkipped += count),
        (error, binIndex) => {
          inferenceFailures++;
          decodeFailureLog.error({ err: error, binIndex }, 'inference failed; decoding goes on with the next window');
        },
      ),
    )
    .subscribe({
      // publish: send to controllers, then record where the time went.
      next: (kinematics) => {
        try {
          metrics.observeKinematics(kinematics, publisher.publish(kinematics, kinematics.stale));
        } catch (error) {
          // One output that cannot be sent must not end the closed loop for the next ones.
          publishFailureLog.error({ err: error, binIndex: kinematics.binIndex }, 'publishing an output failed');
        }
      },
      error: (error: unknown) => {
        log.error({ err: error }, 'pipeline failed; stopping');
        server?.setReady(false);
        failed(error);
      },
      complete: () => drained(),
    });

  server?.setReady(true);
  log.info(
    {
      model: `${card.name}@${card.version}`,
      executionProvider: decoder.executionProvider,
      inputs: config.ingest.endpoints,
      output: publisher.endpoint,
      metrics: server?.url,
      windowBins: card.window_bins,
      channels: config.ingest.channels,
      binMs: config.bin.binMs,
    },
    'rpntd running',
  );

  let stopping: Promise<void> | undefined;
  return {
    config,
    card,
    executionProvider: decoder.executionProvider,
    metricsUrl: server?.url,
    metrics,
    done: pipelineDone,
    totals: () => ({
      messagesReceived: subscriber.stats.messagesReceived,
      messagesMalformed: subscriber.stats.messagesMalformed,
      spikesReceived: subscriber.stats.spikesReceived,
      spikesBinned: binner.stats.spikesBinned,
      spikesLate: binner.stats.spikesLate,
      spikesInvalid: binner.stats.spikesInvalid,
      spikesRejected: binner.stats.spikesRejected,
      seqGaps: binner.stats.seqGaps,
      binsClosed: binner.stats.binsClosed,
      inferences: decoder.stats.inferences,
      inferenceFailures,
      windowsSkipped,
      published: publisher.stats.published,
    }),
    stop: () =>
      (stopping ??= (async () => {
        server?.setReady(false);
        // Finish the bin in hand: keep receiving until every sample reported so far lies in a closed bin, which a
        // live publisher brings about within one bin; a publisher that has gone quiet leaves it unfinished.
        const binSamples = binSamplesOf(config);
        const reportedT1 = binner.reportedT1Samples;
        const deadlineMs = performance.now() + config.bin.binMs + BIN_IN_HAND_SLACK_MS;
        while (binner.lowestOpenBin * binSamples < reportedT1 && performance.now() < deadlineMs) await sleep(2);
        if (binner.lowestOpenBin * binSamples < reportedT1) {
          log.warn({ lowestOpenBin: binner.lowestOpenBin, reportedT1 }, 'stopping with an unfinished bin: no source reported past its end');
        }
        // Closing the subscriber completes the stream; decodeLatest still decodes the window in hand, then completes.
        await subscriber.close();
        await Promise.race([pipelineDone.catch(() => undefined), sleep(DRAIN_TIMEOUT_MS)]);
        subscription.unsubscribe();
        publisher.close();
        await decoder.close();
        await server?.close();
        metrics.close();
        log.info({ totals: { ...binner.stats } }, 'rpntd stopped');
      })()),
  };
}
