import assert from 'node:assert/strict';
import test from 'node:test';
import type { Kinematics } from '../../src/decode';
import { LATENCY_BUCKETS_SECONDS, METRICS, RpntdMetrics, serveMetrics } from '../../src/metrics';

/** Stand-ins for the ingest and bin stages' plain stats objects (their real fields are the other engineer's). */
function fakeStages() {
  return {
    subscriber: { messages: 0, malformedShape: 0, malformedMsgpack: 0, gaps: 0, spikes: 0 },
    binner: { binned: 0, late: 0, invalid: 0, binsClosed: 0 },
  };
}

function wire(metrics: RpntdMetrics, stages: ReturnType<typeof fakeStages>, windowFill: { ratio: number }) {
  // What src/pipeline.ts does: a few lines, no knowledge of the stages inside metrics.
  metrics.addCounterSources(stages.subscriber, {
    messages: METRICS.messagesReceived,
    malformedShape: { metric: METRICS.messagesMalformed, labels: { reason: 'shape' } },
    malformedMsgpack: { metric: METRICS.messagesMalformed, labels: { reason: 'msgpack' } },
    gaps: METRICS.sequenceGaps,
    spikes: METRICS.spikesReceived,
  });
  metrics.addCounterSources(stages.binner, {
    binned: METRICS.spikesBinned,
    late: METRICS.spikesLate,
    invalid: METRICS.spikesInvalid,
    binsClosed: METRICS.binsClosed,
  });
  metrics.addGaugeSource(METRICS.windowFill, () => windowFill.ratio);
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('scrape-time sources show the stages\' stats as they change', async () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  const stages = fakeStages();
  const fill = { ratio: 0.25 };
  wire(metrics, stages, fill);
  let text = await metrics.text();
  assert.equal(sample(text, 'rpntd_spikes_received_total'), 0);
  assert.equal(sample(text, 'rpntd_window_fill_ratio'), 0.25);

  stages.subscriber.spikes = 1200;
  stages.subscriber.messages = 40;
  stages.subscriber.malformedShape = 2;
  stages.subscriber.malformedMsgpack = 1;
  stages.subscriber.gaps = 3;
  stages.binner.binned = 1150;
  stages.binner.late = 30;
  stages.binner.invalid = 20;
  stages.binner.binsClosed = 17;
  fill.ratio = 1;
  text = await metrics.text();
  assert.equal(sample(text, 'rpntd_spikes_received_total'), 1200);
  assert.equal(sample(text, 'rpntd_messages_received_total'), 40);
  assert.equal(sample(text, 'rpntd_messages_malformed_total{reason="shape"}'), 2);
  assert.equal(sample(text, 'rpntd_messages_malformed_total{reason="msgpack"}'), 1);
  assert.equal(sample(text, 'rpntd_sequence_gaps_total'), 3);
  assert.equal(sample(text, 'rpntd_spikes_binned_total'), 1150);
  assert.equal(sample(text, 'rpntd_spikes_late_total'), 30);
  assert.equal(sample(text, 'rpntd_spikes_invalid_total'), 20);
  assert.equal(sample(text, 'rpntd_bins_closed_total'), 17);
  assert.equal(sample(text, 'rpntd_window_fill_ratio'), 1);
  assert.match(text, /# TYPE rpntd_spikes_received_total counter/);
  assert.match(text, /# TYPE rpntd_window_fill_ratio gauge/);
  assert.equal(metrics.readSource(METRICS.binsClosed.name), 17);
  metrics.close();
});

test('decode and publish counters and the model info gauge', async () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  const decoderStats = { inferences: 12, failures: 1 };
  const skipped = { windows: 4 };
  const publisherStats = { published: 11, dropped: 0 };
  metrics.addCounterSources(decoderStats, { inferences: METRICS.inferences, failures: METRICS.inferenceFailures });
  metrics.addCounterSource(METRICS.windowsSkipped.name, METRICS.windowsSkipped.help, () => skipped.windows);
  metrics.addCounterSources(publisherStats, {
    published: METRICS.kinematicsPublished,
    dropped: METRICS.kinematicsDropped,
  });
  metrics.setModelInfo({ model: 'rpnt-m1-stevenson2011', version: '1.0.0', executionProvider: 'cpu' });
  const text = await metrics.text();
  assert.equal(sample(text, 'rpntd_inferences_total'), 12);
  assert.equal(sample(text, 'rpntd_inference_failures_total'), 1);
  assert.equal(sample(text, 'rpntd_windows_skipped_total'), 4);
  assert.equal(sample(text, 'rpntd_kinematics_published_total'), 11);
  assert.equal(
    sample(text, 'rpntd_model_info{model="rpnt-m1-stevenson2011",version="1.0.0",execution_provider="cpu"}'),
    1,
  );
  metrics.close();
});

test('one published output fills every stage histogram, ingest-to-publish and end-to-end', async () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  const k: Kinematics = {
    binIndex: 3,
    binEndSample: 6000,
    values: new Float32Array([0, 0]),
    sourceSentNs: 10_000_000,
    receivedNs: 10_300_000, // ingest 300 µs
    closedNs: 10_340_000, // bin 40 µs
    inferStartNs: 10_360_000, // window 20 µs
    inferEndNs: 11_860_000, // infer 1.5 ms
    stale: true,
  };
  metrics.observeKinematics(k, 11_870_000); // publish 10 µs, total 1.57 ms, e2e 1.87 ms
  metrics.observeKinematics({ ...k, sourceSentNs: NaN, stale: false }, 11_870_000);
  const text = await metrics.text();
  assert.equal(sample(text, 'rpntd_stage_latency_seconds_count{stage="ingest"}'), 1); // only the stamped one
  for (const stage of ['bin', 'window', 'infer', 'publish']) {
    assert.equal(sample(text, `rpntd_stage_latency_seconds_count{stage="${stage}"}`), 2, stage);
  }
  assert.ok(Math.abs(sample(text, 'rpntd_stage_latency_seconds_sum{stage="infer"}')! - 0.003) < 1e-12);
  // 40 µs falls in the 50 µs bucket, not the 25 µs one: the buckets resolve sub-millisecond stages.
  assert.equal(sample(text, 'rpntd_stage_latency_seconds_bucket{le="0.000025",stage="bin"}'), 0);
  assert.equal(sample(text, 'rpntd_stage_latency_seconds_bucket{le="0.00005",stage="bin"}'), 2);
  assert.equal(sample(text, 'rpntd_ingest_to_publish_latency_seconds_count'), 2);
  assert.ok(Math.abs(sample(text, 'rpntd_ingest_to_publish_latency_seconds_sum')! - 2 * 0.00157) < 1e-12);
  assert.equal(sample(text, 'rpntd_end_to_end_latency_seconds_count'), 1);
  assert.ok(Math.abs(sample(text, 'rpntd_end_to_end_latency_seconds_sum')! - 0.00187) < 1e-12);
  assert.equal(sample(text, 'rpntd_kinematics_stale_total'), 1);
  assert.equal(LATENCY_BUCKETS_SECONDS[0], 25e-6);
  metrics.close();
});

test('event-loop lag and default process metrics are exported', async () => {
  const metrics = new RpntdMetrics();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const text = await metrics.text();
  for (const stat of ['p50', 'p99', 'max']) {
    const value = sample(text, `rpntd_event_loop_lag_seconds{stat="${stat}"}`);
    assert.ok(value !== undefined && value >= 0 && value < 1, `${stat}: ${value}`);
  }
  assert.match(text, /^process_cpu_seconds_total /m);
  metrics.close();
});

test('a source with a bad name or mismatched labels is refused', () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  assert.throws(() => metrics.addCounterSource('spikes_total', 'x', () => 0), /must start with rpntd_/);
  assert.throws(() => metrics.addCounterSource('rpntd_spikes', 'x', () => 0), /must end in _total/);
  metrics.addCounterSource(METRICS.messagesMalformed, () => 1, { reason: 'a' });
  assert.throws(() => metrics.addCounterSource(METRICS.messagesMalformed, () => 1), /same kind and label names/);
  metrics.close();
});

test('/healthz answers 503 until ready, then 200 with uptime, model and bins closed; /metrics serves the text', async () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  const binner = { binsClosed: 5 };
  metrics.addCounterSources(binner, { binsClosed: METRICS.binsClosed });
  const server = await serveMetrics({ host: '127.0.0.1', port: 0, metrics });
  try {
    let response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { status: string }).status, 'starting');

    metrics.setModelInfo({ model: 'linear-fixture', version: '0.0.1', executionProvider: 'cpu' });
    server.setReady(true);
    response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    const health = (await response.json()) as Record<string, unknown>;
    assert.equal(health.status, 'ok');
    assert.equal(health.model, 'linear-fixture@0.0.1');
    assert.equal(health.binsClosed, 5);
    assert.equal(typeof health.uptimeS, 'number');

    response = await fetch(`${server.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await response.text(), /^rpntd_bins_closed_total 5$/m);
    assert.equal((await fetch(`${server.url}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: 'POST' })).status, 405);
    server.setReady(false);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 503);
  } finally {
    await server.close();
    metrics.close();
  }
});

test('a metrics port in use is refused with the fix', async () => {
  const metrics = new RpntdMetrics({ defaultMetrics: false });
  const first = await serveMetrics({ host: '127.0.0.1', port: 0, metrics });
  try {
    await assert.rejects(
      serveMetrics({ host: '127.0.0.1', port: first.port, metrics }),
      /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*metrics\.port \/ --metrics-port/,
    );
  } finally {
    await first.close();
    metrics.close();
  }
});
