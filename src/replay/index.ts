export { BinnedSpikeStream, mulberry32 } from './binned-spike-stream';
export type { SpikeMessageSlice, BinnedSpikeStreamOptions } from './binned-spike-stream';
export { replayDataset } from './replay';
export type { ReplayOptions, ReplaySummary } from './replay';
export { resolveRecording, SIM_POPULATION_FILE } from './recording';
export type { ResolvedRecording } from './recording';
export { fitSimulatedPopulation, simulateRecording } from './simulated-population';
export type { SimulatedPopulation } from './simulated-population';
export { startReplayWorker } from './replay-thread';
