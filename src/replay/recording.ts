import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATASET_DIR, DerivedDataset, datasetAvailable, loadDerivedDataset } from '../dataset/derived-dataset';
import { SimulatedPopulation, simulateRecording } from './simulated-population';

/** The tuning of the built-in simulated population, fitted to the real recording (`rpntd sim-fit`). */
export const SIM_POPULATION_FILE = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..', 'models', 'sim-population.json');

/** Bins in a simulated recording: as long as the real one, so --from/--to select the same share of time. */
const SIMULATED_BINS = 15536;
const SIMULATION_SEED = 20110;

export interface ResolvedRecording {
  dataset: DerivedDataset;
  /** True when the real data was absent and the built-in simulation stands in. */
  simulated: boolean;
  /** One line for the screen: which recording this is and why. */
  description: string;
}

/**
 * `--dataset DIR` loads a derived-layout folder; `--dataset sim` or no --dataset where ../shared/data is absent
 * uses the built-in simulated population, and says so.
 */
export function resolveRecording(datasetArg: string | undefined): ResolvedRecording {
  if (datasetArg && datasetArg !== 'sim') {
    const dataset = loadDerivedDataset(datasetArg);
    return { dataset, simulated: false, description: `real recording ${dataset.name} from ${datasetArg}` };
  }
  if (!datasetArg && datasetAvailable()) {
    const dataset = loadDerivedDataset(DEFAULT_DATASET_DIR);
    return { dataset, simulated: false, description: `real recording ${dataset.name} from ${DEFAULT_DATASET_DIR}` };
  }
  const population = JSON.parse(readFileSync(SIM_POPULATION_FILE, 'utf8')) as SimulatedPopulation;
  const why = datasetArg === 'sim' ? 'as asked (--dataset sim)' : `because ${DEFAULT_DATASET_DIR} is absent`;
  return {
    dataset: simulateRecording(population, SIMULATED_BINS, SIMULATION_SEED),
    simulated: true,
    description: `built-in SIMULATED population (${population.units} Poisson units tuned to velocity, fitted on ${population.fittedOn}) ${why}`,
  };
}
