// Correctness of the bench helpers (no timing assertions): percentiles, CDF thinning, the SVG writer's output,
// the summary's required keys, the stream generator's determinism and rates, option parsing.
import assert from 'node:assert/strict';
import test from 'node:test';
import { parseArgs } from '../../bench/run';
import { cdfPoints, distribution, percentileOfSorted } from '../../bench/lib/stats';
import { SpikeSource } from '../../bench/lib/stream';
import { barChart, lineChart, linearTicks } from '../../bench/lib/svg';
import { REQUIRED_SUMMARY_KEYS, buildSummary, type RunMeta } from '../../bench/summary';

test('nearest-rank percentiles', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000
  assert.equal(percentileOfSorted(sorted, 50), 500);
  assert.equal(percentileOfSorted(sorted, 99), 990);
  assert.equal(percentileOfSorted(sorted, 99.9), 999);
  assert.equal(percentileOfSorted(sorted, 100), 1000);
  assert.equal(percentileOfSorted(sorted, 0), 1);
  assert.ok(Number.isNaN(percentileOfSorted(new Float64Array(0), 50)));
  const d = distribution([5, 1, 4, 2, 3]);
  assert.deepEqual([d.n, d.min, d.p50, d.max, d.mean], [5, 1, 3, 5, 3]);
});

test('CDF points are monotone, end at the max and stay within the requested count', () => {
  const values = Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 20_000);
  const points = cdfPoints(values, 150);
  assert.ok(points.length <= 150 && points.length > 50);
  for (let i = 1; i < points.length; i++) {
    assert.ok(points[i][0] >= points[i - 1][0]);
    assert.ok(points[i][1] > points[i - 1][1]);
  }
  assert.deepEqual(points[points.length - 1], [19_999, 1 - 0.5 / 20_000]);
});

/** A minimal well-formedness check: every tag closes in order, attributes are quoted, no stray '<' or '&'. */
function assertWellFormedSvg(svg: string): void {
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z0-9:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(svg); m; m = tag.exec(svg)) {
    const between = svg.slice(last, m.index);
    assert.ok(!between.includes('<'), `stray '<' before ${m[0]}`);
    assert.ok(!/&(?!amp;|lt;|gt;|quot;)/.test(between), 'unescaped &');
    last = tag.lastIndex;
    if (m[1] === '/') assert.equal(stack.pop(), m[2]);
    else if (m[4] !== '/') stack.push(m[2]);
  }
  assert.equal(stack.length, 0);
  assert.equal(svg.slice(last).trim(), '');
}

test('SVG writer produces well-formed documents, escaping text, with log axes and NaN values', () => {
  const line = lineChart(
    [
      { name: 'a <&> "b"', points: [[10, 0.5], [100, 0.9], [1000, 0.999]] },
      { name: 'markers', points: [[20, 0.4], [NaN, 0.5], [2000, 0.99]], markers: true, dashed: true },
    ],
    { title: 'T & <t>', subtitle: 'machine', xLabel: 'µs', yLabel: 'F', logX: true, cdfTailY: true, vLines: [{ x: 500, label: 'bin' }] },
  );
  assertWellFormedSvg(line);
  assert.ok(line.includes('a &lt;&amp;&gt; &quot;b&quot;'));
  const bars = barChart(
    [{ label: 'x', values: [1, 2, NaN] }, { label: 'y', values: [3e6, 0, 5] }],
    { title: 'bars', yLabel: 'v', seriesNames: ['s1', 's2', 's3'], logY: true, hLines: [{ y: 20e6, label: 'target' }] },
  );
  assertWellFormedSvg(bars);
  assertWellFormedSvg(barChart([{ label: 'x', values: [1, 2] }], { title: 's', yLabel: 'v', seriesNames: ['a', 'b'], stacked: true }));
  assert.deepEqual(linearTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
});

test('summary has every required key, numbers or null, even when suites did not run', () => {
  const meta = {
    machine: { cpu: 'x', cores: 2, memoryGiB: 1, kernel: 'k', node: 'v20', platform: 'p', loadAverageStart: [0, 0, 0], hostname: 'h', gpu: 'none' },
    commit: { sha: 'abc', short: 'abc', branch: 'b', dirty: false },
    config: { mode: 'quick' },
    startedAt: '2026-12-03T00:00:00Z',
    finishedAt: '2026-12-03T00:00:01Z',
    wallSeconds: 1,
  } satisfies RunMeta;
  const summary = buildSummary({}, meta);
  for (const key of REQUIRED_SUMMARY_KEYS) assert.ok(key in summary, key);
  for (const key of REQUIRED_SUMMARY_KEYS.filter((k) => !['machine', 'commit', 'config'].includes(k))) {
    assert.ok(summary[key] === null || typeof summary[key] === 'number', key);
  }
});

test('the synthetic stream is deterministic per seed and has the requested mean rate', () => {
  const spec = { channels: 384, rateLowHz: 10, rateHighHz: 50, sampleRateHz: 30_000, blockSamples: 30, seed: 3 };
  const a = new SpikeSource(spec);
  const b = new SpikeSource(spec);
  let total = 0;
  const perChannel = new Float64Array(384);
  for (let k = 0; k < 2000; k++) {
    const n = a.nextBlock();
    assert.equal(b.nextBlock(), n);
    assert.deepEqual(a.channels.subarray(0, n), b.channels.subarray(0, n));
    for (let i = 0; i < n; i++) {
      assert.ok(a.offsets[i] < 30 && a.channels[i] < 384);
      perChannel[a.channels[i]]++;
    }
    total += n;
  }
  const expected = 384 * 30 * 2; // mean 30 Hz × 2 s
  assert.ok(Math.abs(total - expected) / expected < 0.05, `total ${total} vs ${expected}`);
  // Rates follow the per-channel draw: the busiest decile fires more than the quietest.
  const order = Array.from(a.rates.keys()).sort((x, y) => a.rates[x] - a.rates[y]);
  const sum = (idx: number[]) => idx.reduce((s, c) => s + perChannel[c], 0);
  assert.ok(sum(order.slice(-38)) > 2 * sum(order.slice(0, 38)));
});

test('bench options', () => {
  const args = parseArgs(['--quick', '--model', 'm.onnx', '--out', '/tmp/x', '--suites', 'kernels,e2e', '--seed', '4']);
  assert.equal(args.quick, true);
  assert.ok(args.model?.endsWith('m.onnx'));
  assert.equal(args.out, '/tmp/x');
  assert.deepEqual(args.suites, ['kernels', 'e2e']);
  assert.equal(args.seed, 4);
  assert.throws(() => parseArgs(['--suites', 'nope']), /unknown suite/);
  assert.throws(() => parseArgs(['--bogus']), /unknown option/);
});
