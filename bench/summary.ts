/** bench/results/summary.json: the headline numbers of one run, with the machine, commit and configuration. */
import type { E2eSuiteResult } from './suites/e2e';
import type { InferenceSuiteResult } from './suites/inference';
import type { KernelSuiteResult } from './suites/kernels';
import type { ScaleSuiteResult } from './suites/scale';
import type { CommitInfo, MachineInfo } from './lib/machine';

export const REQUIRED_SUMMARY_KEYS = [
  'e2e_p50_us', 'e2e_p99_us', 'e2e_p999_us', 'floor_p99_us', 'overhead_p99_ratio', 'python_peer_e2e_p99_us',
  'binning_native_events_per_s', 'binning_ts_events_per_s', 'copy_bound_events_per_s', 'inference_p99_us',
  'machine', 'commit', 'config',
] as const;

export interface SuiteResults {
  e2e?: E2eSuiteResult;
  scale?: ScaleSuiteResult;
  kernels?: KernelSuiteResult;
  inference?: InferenceSuiteResult;
}

export interface RunMeta {
  machine: MachineInfo;
  commit: CommitInfo;
  config: Record<string, unknown>;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
}

const r = (x: number | undefined, digits = 1) =>
  x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** digits) / 10 ** digits;

export function buildSummary(results: SuiteResults, meta: RunMeta): Record<string, unknown> {
  const runs = results.e2e?.runs ?? [];
  const d20 = runs.find((x) => x.system === 'rpntd' && x.binMs === 20);
  const d50 = runs.find((x) => x.system === 'rpntd' && x.binMs === 50);
  // The floor for the ratio: the relay whose output hop runs at the daemon's cadence (20 ms); the dense one is extra.
  const floor = runs.find((x) => x.system === 'zmq-relay' && x.binMs === 20) ?? runs.find((x) => x.system === 'zmq-relay');
  const dense = runs.find((x) => x.system === 'zmq-relay' && x.binMs === 1);
  const peer = runs.find((x) => x.system === 'python-peer');
  const k = results.kernels;
  return {
    e2e_p50_us: r(d20?.e2eUs.p50),
    e2e_p99_us: r(d20?.e2eUs.p99),
    e2e_p999_us: r(d20?.e2eUs.p999),
    e2e_max_us: r(d20?.e2eUs.max),
    e2e_bins: d20?.e2eUs.n ?? 0,
    e2e_50ms_p50_us: r(d50?.e2eUs.p50),
    e2e_50ms_p99_us: r(d50?.e2eUs.p99),
    e2e_50ms_bins: d50?.e2eUs.n ?? 0,
    daemon_overhead_p99_us: r(d20?.overheadUs?.p99),
    floor_p50_us: r(floor?.e2eUs.p50),
    floor_p99_us: r(floor?.e2eUs.p99),
    floor_messages: floor?.e2eUs.n ?? 0,
    floor_dense_p50_us: r(dense?.e2eUs.p50),
    floor_dense_p99_us: r(dense?.e2eUs.p99),
    overhead_p99_ratio: d20?.overheadUs && floor ? r(d20.overheadUs.p99 / floor.e2eUs.p99, 2) : null,
    overhead_p50_ratio: d20?.overheadUs && floor ? r(d20.overheadUs.p50 / floor.e2eUs.p50, 2) : null,
    overhead_p99_ratio_vs_dense_floor: d20?.overheadUs && dense ? r(d20.overheadUs.p99 / dense.e2eUs.p99, 2) : null,
    daemon_overhead_p50_us: r(d20?.overheadUs?.p50),
    python_peer_e2e_p50_us: r(peer?.e2eUs.p50),
    python_peer_e2e_p99_us: r(peer?.e2eUs.p99),
    python_peer_bins: peer?.e2eUs.n ?? 0,
    python_peer_to_rpntd_p99_ratio: peer && d20 ? r(peer.e2eUs.p99 / d20.e2eUs.p99, 2) : null,
    binning_native_events_per_s: k?.peak.nativeEventsPerS ?? null,
    binning_ts_events_per_s: k?.peak.tsEventsPerS ?? null,
    binning_peak_batch: k?.peak.batch ?? null,
    binning_native_events_per_s_real_batch: k?.realCadence.nativeEventsPerS ?? null,
    binning_ts_events_per_s_real_batch: k?.realCadence.tsEventsPerS ?? null,
    binning_real_batch: k?.realCadence.batch ?? null,
    copy_bound_events_per_s: k?.copyBoundEventsPerS ?? null,
    inference_p99_us: r(results.inference?.shippedP99Us),
    inference_cuda: results.inference?.cuda ?? null,
    highest_sustained_spikes_per_s: results.scale?.highestSustainedSpikesPerSecond ?? null,
    highest_sustained_config: results.scale?.highestSustainedConfig ?? null,
    threshold_probes_realtime_per_core: null,
    threshold_note: 'no threshold-crossing kernel exists yet; key reserved',
    machine: meta.machine,
    commit: meta.commit,
    config: meta.config,
    started_at: meta.startedAt,
    wall_seconds: meta.wallSeconds,
  };
}
