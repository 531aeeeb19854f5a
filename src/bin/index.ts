// The bin stage's whole public surface.
export type { ClosedBin } from './types';
export { SpikeBinner, type BinKernel, type BinStats, type SpikeBinnerOptions } from './spike-binner';
export { binSpikes } from './bin-spikes';
