import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../log';
import { resolveRecording } from './recording';
import { replayDataset } from './replay';

/**
 * Runs a replay on its own thread, so its pacing timers and encoding never share an event loop with the daemon it
 * feeds (the demo and the end-to-end test run both in one process).
 */
export interface ReplayWorkerData {
  datasetArg: string | undefined;
  endpoint: string;
  speed: number;
  fromFraction: number;
  toFraction: number;
  leadInBins: number;
  seed: number;
  source: string;
}

async function main(): Promise<void> {
  const data = workerData as ReplayWorkerData;
  const recording = resolveRecording(data.datasetArg);
  const controller = new AbortController();
  parentPort?.on('message', (message) => {
    if (message === 'abort') controller.abort();
  });
  const summary = await replayDataset({
    dataset: recording.dataset,
    endpoint: data.endpoint,
    speed: data.speed,
    fromFraction: data.fromFraction,
    toFraction: data.toFraction,
    leadInBins: data.leadInBins,
    rateHz: 30000,
    messageSamples: 30,
    seed: data.seed,
    source: data.source,
    waitForSubscriberMs: 10000,
    log: createLogger('rpntd-replay'),
    signal: controller.signal,
  });
  parentPort?.postMessage({ type: 'done', summary });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: (err as Error).message });
});
