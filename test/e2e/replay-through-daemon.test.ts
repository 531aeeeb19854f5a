import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import test from 'node:test';
import { RunningR2 } from '../../src/cli/decoding-score';
import { runDemo, type DemoSummary } from '../../src/cli/demo';
import { REPO_ROOT } from '../../src/config';
import { DEFAULT_DATASET_DIR, datasetAvailable, fractionToBins, kinematicColumn, loadDerivedDataset } from '../../src/dataset/derived-dataset';
import { Decoder, loadModelCard } from '../../src/decode';
import { createLogger } from '../../src/log';
import { freePort } from '../helpers/free-port';

const MODEL = path.join(REPO_ROOT, 'models', 'rpnt-m1-stevenson2011.onnx');
const CARD = path.join(REPO_ROOT, 'models', 'rpnt-m1-stevenson2011.json');
const log = createLogger('rpntd-e2e', 'warn');

async function replayTestSplit(dataset: string | undefined, speed: number, onOutput?: (bin: number, values: readonly number[]) => void): Promise<DemoSummary> {
  const [input, output, metricsPort] = [await freePort(), await freePort(), await freePort()];
  return runDemo({
    overrides: { inputEndpoints: [`tcp://127.0.0.1:${input}`], outputEndpoint: `tcp://127.0.0.1:${output}`, metricsPort },
    dataset,
    speed,
    from: 0.8,
    to: 1,
    view: false,
    quiet: true,
    onOutput,
    log,
  });
}

function assertEverySpikeBinned(summary: DemoSummary): void {
  assert.equal(summary.daemon.seqGaps, 0, 'no message lost between the replay and the daemon');
  assert.equal(summary.daemon.spikesReceived, summary.replay.spikes);
  assert.equal(summary.daemon.spikesBinned, summary.replay.spikes);
  assert.equal(summary.daemon.spikesLate, 0);
  assert.equal(summary.daemon.spikesInvalid, 0);
  assert.equal(summary.daemon.messagesMalformed, 0);
  assert.equal(summary.daemon.binsClosed, summary.replay.endBin - summary.replay.firstBin);
  // What Prometheus scrapes agrees with the replay's totals.
  assert.equal(summary.metrics.rpntd_spikes_received_total, summary.replay.spikes);
  assert.equal(summary.metrics.rpntd_spikes_binned_total, summary.replay.spikes);
  assert.equal(summary.metrics.rpntd_spikes_late_total, 0);
  assert.equal(summary.metrics.rpntd_spikes_invalid_total, 0);
  assert.equal(summary.metrics.rpntd_messages_received_total, summary.replay.messages);
  assert.equal(summary.metrics.rpntd_bins_closed_total, summary.replay.endBin - summary.replay.firstBin);
  assert.equal(summary.metrics.rpntd_kinematics_published_total, summary.binsDecoded);
}

test(
  'replaying the real M1 test split through the daemon decodes what the model decodes offline, and bins every spike',
  { skip: datasetAvailable() && existsSync(CARD) ? false : 'needs ../shared/data/m1-stevenson2011-centerout and the shipped model', timeout: 240_000 },
  async () => {
    const dataset = loadDerivedDataset(DEFAULT_DATASET_DIR);
    const card = loadModelCard(CARD, MODEL);
    const outputs = new Map<number, readonly number[]>();
    const summary = await replayTestSplit(undefined, 5, (bin, values) => outputs.set(bin, values));
    assertEverySpikeBinned(summary);

    // Offline: the same ONNX over every test window cut straight from the recording's counts.
    const { firstBin, endBin } = fractionToBins(dataset.bins, 0.8, 1);
    assert.equal(endBin - firstBin, Number(card.test_r2.windows), 'the test split is the one the card was evaluated on');
    const decoder = await Decoder.create({ modelPath: MODEL, card, executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1, warmupRuns: 1, log });
    const window = new Float32Array(card.window_bins * card.channels);
    const cols = dataset.kinematicColumns.length;
    const truthColumns = [kinematicColumn(dataset, 'hand_vel_x_m_per_s'), kinematicColumn(dataset, 'hand_vel_y_m_per_s')];
    const offlineAll = [new RunningR2(), new RunningR2()];
    const daemonDecoded = [new RunningR2(), new RunningR2()];
    let maxAbsDifference = 0;
    for (let bin = firstBin; bin < endBin; bin++) {
      const start = (bin - card.window_bins + 1) * card.channels;
      for (let i = 0; i < window.length; i++) window[i] = dataset.counts[start + i];
      const offline = await decoder.decode(window);
      const online = outputs.get(bin);
      for (let d = 0; d < 2; d++) {
        const truth = dataset.kinematics[bin * cols + truthColumns[d]];
        offlineAll[d].add(truth, offline[d]);
        if (online) {
          daemonDecoded[d].add(truth, online[d]);
          maxAbsDifference = Math.max(maxAbsDifference, Math.abs(online[d] - offline[d]));
        }
      }
    }
    await decoder.close();

    // Each output the daemon published is the model's output for that bin's window: binning on the sample clock
    // rebuilt the recording's counts exactly.
    assert.ok(outputs.size > 0);
    assert.ok(maxAbsDifference < 1e-4, `largest difference between daemon and offline outputs: ${maxAbsDifference}`);
    // Skipped windows (a slow host) are counted, never silent: published + skipped = every test bin.
    assert.equal(summary.binsDecoded + summary.daemon.windowsSkipped, endBin - firstBin);
    // The daemon's R² equals the offline evaluation's: of the same ONNX here, and of PyTorch in the card.
    const r2 = (scores: RunningR2[]) => scores.map((s) => s.value());
    for (let d = 0; d < 2; d++) {
      assert.ok(Math.abs(r2(daemonDecoded)[d] - r2(offlineAll)[d]) < 0.005, `output ${d}: daemon R² ${r2(daemonDecoded)[d]} vs offline ONNX ${r2(offlineAll)[d]}`);
    }
    const cardR2 = card.test_r2;
    assert.ok(Math.abs(r2(offlineAll)[0] - cardR2.x) < 1e-3, `offline ONNX R² x ${r2(offlineAll)[0]} vs card ${cardR2.x}`);
    assert.ok(Math.abs(r2(offlineAll)[1] - cardR2.y) < 1e-3, `offline ONNX R² y ${r2(offlineAll)[1]} vs card ${cardR2.y}`);

    // The daemon's own stamps are there and add up: ingest→publish covers the inference, sent→publish covers both.
    assert.ok(summary.latencyUs.total.p50 >= summary.latencyUs.infer.p50);
    assert.ok(summary.latencyUs.e2e.p50 >= summary.latencyUs.total.p50);
  },
);

test(
  'the built-in simulated population runs through the daemon when no recording is given',
  { skip: existsSync(CARD) ? false : 'needs the shipped model', timeout: 120_000 },
  async () => {
    const summary = await replayTestSplit('sim', 10);
    assert.equal(summary.simulated, true);
    assertEverySpikeBinned(summary);
    assert.ok(summary.binsDecoded > 0);
    // Tuned to velocity, the simulated population is decodable: clearly better than chance, if below real data.
    assert.ok(summary.r2.mean > 0.2, `simulated R² ${summary.r2.mean}`);
  },
);
