import { DerivedDataset, kinematicColumn } from '../dataset/derived-dataset';
import { mulberry32 } from './binned-spike-stream';

/**
 * The built-in stand-in for the real recording, used where ../shared/data is absent: a population of Poisson units
 * whose rates are linear in hand velocity (with a lead, as M1 fires before the movement), driven by simulated
 * 8-target centre-out reaches. Its tuning is fitted to the real M1 recording's training split (`rpntd sim-fit`) and
 * shipped as models/sim-population.json, so the shipped model decodes it — less well than real data, and the demo
 * says which one it is running.
 */
export interface SimulatedPopulation {
  /** Where the tuning came from (dataset name, bins used). */
  fittedOn: string;
  binMs: number;
  units: number;
  /** Bins by which a unit's rate leads the velocity it encodes. */
  leadBins: number;
  /** Per unit: baseline count per bin, and count per bin per (m/s) of velocity x and y. */
  baseline: number[];
  gainX: number[];
  gainY: number[];
}

export const KINEMATIC_COLUMNS = ['time_s', 'hand_pos_x_m', 'hand_pos_y_m', 'hand_vel_x_m_per_s', 'hand_vel_y_m_per_s'];

/** Least-squares fit of count(t) = b + gx·vx(t+lead) + gy·vy(t+lead) for each unit over bins [firstBin, endBin). */
export function fitSimulatedPopulation(dataset: DerivedDataset, firstBin: number, endBin: number, leadBins = 2): SimulatedPopulation {
  const cols = dataset.kinematicColumns.length;
  const vxCol = kinematicColumn(dataset, 'hand_vel_x_m_per_s');
  const vyCol = kinematicColumn(dataset, 'hand_vel_y_m_per_s');
  // Normal equations of a 3-parameter regression, shared by all units.
  const xtx = new Float64Array(9);
  const n = endBin - leadBins - firstBin;
  const design = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = firstBin + i + leadBins;
    design[i * 3] = 1;
    design[i * 3 + 1] = dataset.kinematics[t * cols + vxCol];
    design[i * 3 + 2] = dataset.kinematics[t * cols + vyCol];
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) xtx[a * 3 + b] += design[i * 3 + a] * design[i * 3 + b];
  }
  const inv = invert3(xtx);
  const baseline: number[] = [];
  const gainX: number[] = [];
  const gainY: number[] = [];
  for (let u = 0; u < dataset.units; u++) {
    const xty = [0, 0, 0];
    for (let i = 0; i < n; i++) {
      const c = dataset.counts[(firstBin + i) * dataset.units + u];
      for (let a = 0; a < 3; a++) xty[a] += design[i * 3 + a] * c;
    }
    const w = [0, 1, 2].map((a) => inv[a * 3] * xty[0] + inv[a * 3 + 1] * xty[1] + inv[a * 3 + 2] * xty[2]);
    baseline.push(round6(w[0]));
    gainX.push(round6(w[1]));
    gainY.push(round6(w[2]));
  }
  return { fittedOn: `${dataset.name} bins ${firstBin}-${endBin}`, binMs: dataset.binMs, units: dataset.units, leadBins, baseline, gainX, gainY };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function invert3(m: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  const inv = new Float64Array([e * i - f * h, c * h - b * i, b * f - c * e, f * g - d * i, a * i - c * g, c * d - a * f, d * h - e * g, b * g - a * h, a * e - b * d]);
  for (let k = 0; k < 9; k++) inv[k] /= det;
  return inv;
}

/** Centre-out reaches to 8 targets 9 cm away: hold, reach with a minimum-jerk profile, hold, return. */
function simulateCenterOutVelocity(bins: number, binMs: number, random: () => number): { vx: Float64Array; vy: Float64Array } {
  const vx = new Float64Array(bins);
  const vy = new Float64Array(bins);
  const dtS = binMs / 1000;
  const distanceM = 0.09;
  let t = 0;
  let outward = true;
  let angle = 0;
  while (t < bins) {
    const holdBins = Math.round((0.3 + 0.4 * random()) / dtS);
    t += holdBins;
    if (outward) angle = (Math.floor(random() * 8) * Math.PI) / 4;
    const durationS = 0.5 + 0.3 * random();
    const reachBins = Math.max(2, Math.round(durationS / dtS));
    const direction = outward ? 1 : -1;
    for (let k = 0; k < reachBins && t + k < bins; k++) {
      const s = (k + 0.5) / reachBins;
      // Minimum-jerk speed profile: 30 s²(1−s)² · distance / duration.
      const speed = (30 * s * s * (1 - s) * (1 - s) * distanceM) / durationS;
      vx[t + k] = direction * speed * Math.cos(angle);
      vy[t + k] = direction * speed * Math.sin(angle);
    }
    t += reachBins;
    outward = !outward;
  }
  return { vx, vy };
}

/** Knuth's Poisson sampler: rates here are a few spikes per bin at most. */
function poisson(rate: number, random: () => number): number {
  if (rate <= 0) return 0;
  const limit = Math.exp(-rate);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return Math.min(k, 255);
}

/** A recording of `bins` bins drawn from the population, in the same in-memory form as a real derived dataset. */
export function simulateRecording(population: SimulatedPopulation, bins: number, seed: number): DerivedDataset {
  const random = mulberry32(seed);
  const { vx, vy } = simulateCenterOutVelocity(bins, population.binMs, random);
  const units = population.units;
  const counts = new Uint8Array(bins * units);
  const kinematics = new Float64Array(bins * KINEMATIC_COLUMNS.length);
  const dtS = population.binMs / 1000;
  let x = 0;
  let y = 0;
  for (let t = 0; t < bins; t++) {
    x += vx[t] * dtS;
    y += vy[t] * dtS;
    kinematics.set([t * dtS, x, y, vx[t], vy[t]], t * KINEMATIC_COLUMNS.length);
    const lead = Math.min(bins - 1, t + population.leadBins);
    for (let u = 0; u < units; u++) {
      const rate = population.baseline[u] + population.gainX[u] * vx[lead] + population.gainY[u] * vy[lead];
      counts[t * units + u] = poisson(rate, random);
    }
  }
  return { dir: '(built-in simulation)', name: 'simulated-m1-population', binMs: population.binMs, bins, units, counts, kinematics, kinematicColumns: KINEMATIC_COLUMNS };
}
